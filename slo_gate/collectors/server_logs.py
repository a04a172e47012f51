"""Server request logs (JSON lines or CSV, one request a line) → ``ServerMeasurement``.

The logs are streamed line by line and counted into one-minute buckets and an exact latency
histogram (``slo_gate.events``), so memory does not grow with the number of lines. Log text is
untrusted data: it is parsed, never echoed into messages (problems name the file, the line
numbers and a fixed reason), and a file is only read when a policy glob relative to the
workspace matched it and it resolves inside the workspace.

Lines that cannot be used (not JSON, missing field, unparseable timestamp, unknown success
value, negative latency, unknown location) are counted per reason with the first few line
numbers. Requests timed in the future or before the budget window are reported and ignored.
When more than ``max_bad_share`` of the lines are bad, the measurement is marked ``no_data``:
the SLOs then say so instead of passing on what was left.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from slo_gate.config.policy import BudgetPolicy, ServerPolicy
from slo_gate.config.units import Ratio
from slo_gate.events import (
    MICROS_PER_MS,
    MICROS_PER_S,
    LatencyDigest,
    LineStats,
    LocationLatency,
    RatioSeries,
    ServerMeasurement,
)
from slo_gate.measurements import Problem

if TYPE_CHECKING:
    import _csv

try:  # orjson parses a log line about 6× faster than json; the collector works without it
    from orjson import loads as _orjson_loads

    _loads: Callable[[bytes], Any] = _orjson_loads
except ImportError:  # pragma: no cover - exercised where orjson is absent
    from json import loads as _json_loads

    _loads = _json_loads

SOURCE = "server_logs"
LOCATIONS = ("local", "remote")
OK_WORDS = frozenset(
    {"ok", "success", "succeeded", "successful", "pass", "passed", "true", "yes", "1"}
)
BAD_WORDS = frozenset(
    {"error", "err", "fail", "failed", "failure", "timeout", "timed_out", "false", "no", "0"}
)
MS_EPOCH_FROM = 100_000_000_000  # numbers from here on are epoch ms (1e11 s is the year 5138)


class ServerLogOptions(BaseModel):
    """How to read the logs beyond ``server.fields`` (proposed as fields of ``ServerPolicy``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["auto", "jsonl", "csv"] = Field(
        "auto", description="auto: by extension (.jsonl/.ndjson/.json, .csv), else sniffed"
    )
    timestamp_unit: Literal["auto", "iso", "s", "ms"] = Field(
        "auto", description="auto: ISO 8601 text, numbers below 1e11 epoch s, else epoch ms"
    )
    latency_unit: Literal["ms", "s"] = "ms"
    ok_values: list[str] = Field(default_factory=lambda: sorted(OK_WORDS))
    bad_values: list[str] = Field(default_factory=lambda: sorted(BAD_WORDS))
    bad_status_from: int = Field(500, description="HTTP statuses from this one on are failures")
    location_default: Literal["local", "remote"] | None = Field(
        None, description="location of lines without a location field"
    )
    locations: dict[str, Literal["local", "remote"]] = Field(
        default_factory=dict,
        description="per-file location: glob (relative to the workspace) → local or remote",
    )
    max_bad_share: Ratio = Field(0.01, description="more bad lines than this → no-data")
    bucket_s: int = Field(60, ge=1, description="time resolution of the counts")

    @classmethod
    def from_policy(cls, policy: ServerPolicy) -> ServerLogOptions:
        """The options a ``ServerPolicy`` carries (once it has these fields), else defaults."""
        given = {
            name: getattr(policy, name)
            for name in cls.model_fields
            if getattr(policy, name, None) is not None
        }
        return cls.model_validate(given)


class _Bad(Exception):
    """A line that cannot be used; ``args[0]`` is a fixed reason (never log text)."""


@dataclass(slots=True)
class _FileStats:
    lines: int = 0
    requests: int = 0
    bad: LineStats = field(default_factory=LineStats)
    future: LineStats = field(default_factory=LineStats)
    outside: LineStats = field(default_factory=lambda: LineStats(keep=1))  # old logs: one place


@dataclass(slots=True)
class _Accumulator:
    """Per-bucket counters aligned to ``now``: bucket ``i`` starts at ``base_s + i·bucket_s``."""

    base_s: int
    bucket_s: int
    n: int
    from_s: float
    now_f: float
    target_us: tuple[int, int]
    avail_good: list[int] = field(default_factory=list)
    avail_valid: list[int] = field(default_factory=list)
    lat_good: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    lat_valid: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    digests: tuple[LatencyDigest, LatencyDigest] = field(
        default_factory=lambda: (LatencyDigest(), LatencyDigest())
    )

    def __post_init__(self) -> None:
        for counters in (self.avail_good, self.avail_valid, *self.lat_good, *self.lat_valid):
            counters.extend([0] * self.n)

    def series(self, good: list[int], valid: list[int]) -> RatioSeries:
        counts = {
            self.base_s + i * self.bucket_s: (good[i], valid[i]) for i in range(self.n) if valid[i]
        }
        return RatioSeries.from_counts(counts, self.bucket_s)


@dataclass(frozen=True, slots=True)
class _Parsers:
    """The field mapping and value rules, resolved once per collection."""

    ts: str
    ok: str
    latency: str
    location: str
    timestamp: Callable[[Any], float]
    success: Callable[[Any], bool]
    latency_scale: int
    locations: dict[str, int]


# ----------------------------------------------------------------------------- value parsing


def _epoch(number: float, unit: str) -> float:
    if not math.isfinite(number) or number < 0:
        raise _Bad("unparseable timestamp")
    if unit == "ms" or (unit == "auto" and number >= MS_EPOCH_FROM):
        return number / 1000
    return number


def _timestamp_parser(unit: str) -> Callable[[Any], float]:
    """ISO 8601 text, or epoch seconds / milliseconds as numbers or digit strings."""

    def parse(value: Any) -> float:
        kind = type(value)
        if kind is str:
            if unit in ("auto", "iso"):
                try:  # ISO 8601 first: the common case, parsed in C
                    moment = datetime.fromisoformat(value)
                except ValueError:
                    if unit == "iso":
                        raise _Bad("unparseable timestamp") from None
                else:
                    if moment.tzinfo is None:  # DESIGN.md: UTC unless configured
                        moment = moment.replace(tzinfo=UTC)
                    return moment.timestamp()
            try:  # epoch seconds or milliseconds written as text (CSV)
                number = float(value)
            except ValueError:
                raise _Bad("unparseable timestamp") from None
            return _epoch(number, unit)
        if (kind is int or kind is float) and unit != "iso":
            return _epoch(value, unit)
        if value is None:
            raise _Bad("missing timestamp")
        raise _Bad("unparseable timestamp")

    return parse


def _success_parser(options: ServerLogOptions) -> Callable[[Any], bool]:
    """A boolean, a result word, or an HTTP status (below ``bad_status_from`` succeeds)."""
    ok_words = frozenset(w.lower() for w in options.ok_values)
    bad_words = frozenset(w.lower() for w in options.bad_values)
    bad_from = options.bad_status_from

    def status(code: int) -> bool:
        if not 100 <= code <= 599:
            raise _Bad("HTTP status out of range")
        return code < bad_from

    def parse(value: Any) -> bool:
        kind = type(value)
        if kind is bool:
            return bool(value)
        if kind is int:
            return status(value)
        if kind is str:
            word = value.strip().lower()
            if word in ok_words:
                return True
            if word in bad_words:
                return False
            if word.isdigit() and len(word) == 3:
                return status(int(word))
            raise _Bad("unknown success value")
        if value is None:
            raise _Bad("missing success field")
        raise _Bad("unknown success value")

    return parse


def _latency_us(value: Any, scale: int) -> int:
    kind = type(value)
    if kind is int or kind is float:
        number = float(value)
    elif kind is str:
        try:
            number = float(value)
        except ValueError:
            raise _Bad("unparseable latency") from None
    else:
        raise _Bad("unparseable latency")
    if number < 0:
        raise _Bad("negative latency")
    if not math.isfinite(number):
        raise _Bad("unparseable latency")
    return round(number * scale)


def _location(value: Any, known: dict[str, int], default: int) -> int:
    index = known.get(value) if type(value) is str else None
    if index is not None:
        return index
    if value is None or value == "":
        if default < 0:
            raise _Bad("missing location")
        return default
    if type(value) is str:
        index = known.get(value.strip().lower())
        if index is not None:
            return index
    raise _Bad("unknown location")


# ----------------------------------------------------------------------------- counting


def _take(
    acc: _Accumulator,
    p: _Parsers,
    stats: _FileStats,
    path: str,
    lineno: int,
    row: dict[str, Any],
    default_location: int,
) -> None:
    """Count one request (or one bad / ignored line) into the accumulator."""
    try:
        ts = p.timestamp(row.get(p.ts))
        ok = p.success(row.get(p.ok))
        raw_latency = row.get(p.latency)
        if raw_latency is None or raw_latency == "":
            if ok:  # a failed request may have no latency (it never answered)
                raise _Bad("missing latency")
            latency = -1
        else:
            latency = _latency_us(raw_latency, p.latency_scale)
        where = _location(row.get(p.location), p.locations, default_location) if latency >= 0 else 0
    except _Bad as bad:
        stats.bad.add(path, lineno, bad.args[0])
        return
    if ts > acc.now_f:
        stats.future.add(path, lineno, "timestamp after now")
        return
    if ts < acc.from_s:
        stats.outside.add(path, lineno, "before the window")
        return
    i = int((ts - acc.base_s) // acc.bucket_s)
    if i >= acc.n:
        i = acc.n - 1
    stats.requests += 1
    acc.avail_valid[i] += 1
    if ok:
        acc.avail_good[i] += 1
    if latency >= 0:
        acc.lat_valid[where][i] += 1
        if latency <= acc.target_us[where]:
            acc.lat_good[where][i] += 1
        digest = acc.digests[where]
        digest.counts[latency] = digest.counts.get(latency, 0) + 1
        digest.n += 1


def _read_jsonl(
    stream: IO[bytes], acc: _Accumulator, p: _Parsers, path: str, default_location: int
) -> _FileStats:
    stats = _FileStats()
    loads = _loads
    lines = 0
    for lineno, raw in enumerate(stream, 1):
        if raw.isspace():
            continue
        lines += 1
        try:
            row = loads(raw)
        except ValueError:
            stats.bad.add(path, lineno, "not JSON")
            continue
        if type(row) is not dict:
            stats.bad.add(path, lineno, "not a JSON object")
            continue
        _take(acc, p, stats, path, lineno, row, default_location)
    stats.lines = lines
    return stats


def _read_csv(
    stream: IO[bytes], acc: _Accumulator, p: _Parsers, path: str, default_location: int
) -> tuple[_FileStats, list[Problem]]:
    """CSV with a header row; the mapped fields are column names."""
    stats = _FileStats()
    # closing the wrapper closes the stream too; the caller's `with` tolerates that
    with io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="") as text:
        problems = _count_csv(csv.reader(text), acc, p, path, default_location, stats)
    return stats, problems


def _count_csv(
    reader: _csv.Reader,
    acc: _Accumulator,
    p: _Parsers,
    path: str,
    default_location: int,
    stats: _FileStats,
) -> list[Problem]:
    """Count the rows of a CSV reader; a header without the mapped columns is a problem."""
    header = next(reader, None)
    if header is None:
        return []
    columns = [name.strip().lstrip("\ufeff") for name in header]
    problems = []
    missing = [name for name in (p.ts, p.ok) if name not in columns]
    if missing:
        problems.append(
            Problem(
                code="server-logs-csv-header",
                message=(
                    f"the CSV header has no column {', '.join(repr(m) for m in missing)}; fix: "
                    f"name the columns in server.fields (header has {len(columns)} columns)"
                ),
                path=path,
                line=1,
                source=SOURCE,
            )
        )
    for row in reader:
        lineno = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        stats.lines += 1
        if len(row) != len(columns):
            stats.bad.add(path, lineno, "wrong number of columns")
            continue
        _take(acc, p, stats, path, lineno, dict(zip(columns, row, strict=True)), default_location)
    return problems


# ----------------------------------------------------------------------------- files


@contextmanager
def _open(path: Path) -> Iterator[IO[bytes]]:
    """Binary stream of a log file; ``.gz`` files are decompressed on the fly."""
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as stream:
            yield cast(IO[bytes], stream)
    else:
        with path.open("rb") as stream:
            yield stream


def _format(path: Path, wanted: str) -> Literal["jsonl", "csv"]:
    if wanted in ("jsonl", "csv"):
        return "jsonl" if wanted == "jsonl" else "csv"
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if last == ".csv":
        return "csv"
    with _open(path) as stream:
        head = stream.read(4096).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


def _bad_pattern(pattern: str) -> str | None:
    pure = PurePosixPath(pattern.replace("\\", "/"))
    if pure.is_absolute() or pattern[1:3] == ":/" or pattern[1:3] == ":\\":
        return "is absolute"
    if ".." in pure.parts:
        return "climbs out with '..'"
    return None


def find_logs(patterns: list[str], workspace: Path) -> tuple[list[Path], list[Problem]]:
    """Files matched by the policy globs, inside the workspace only, each once, sorted."""
    root = workspace.resolve()
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for pattern in patterns:
        why = _bad_pattern(pattern)
        if why:
            problems.append(
                _problem(
                    "server-logs-pattern",
                    f"log pattern {pattern!r} {why}; "
                    "fix: write server.logs relative to the workspace",
                    None,
                )
            )
            continue
        matched = sorted(p for p in root.glob(pattern) if p.is_file())
        inside = [p for p in matched if p.resolve().is_relative_to(root)]
        for escaped in sorted(set(matched) - set(inside)):
            problems.append(
                _problem(
                    "server-logs-outside-workspace",
                    f"{escaped.relative_to(root).as_posix()} points outside the workspace and was "
                    "not read; fix: copy the log into the workspace instead of linking it",
                    escaped.relative_to(root).as_posix(),
                )
            )
        if not matched:
            problems.append(
                _problem(
                    "server-logs-no-match",
                    f"server.logs pattern {pattern!r} matched no file under the workspace; fix: "
                    "check the path, or download the logs before slo-gate runs",
                    None,
                )
            )
        found.update(dict.fromkeys(inside))
    return list(found), problems


def _problem(
    code: str,
    message: str,
    path: str | None,
    line: int | None = None,
    level: Literal["error", "warning", "notice"] = "error",
) -> Problem:
    return Problem(code=code, message=message, path=path, line=line, level=level, source=SOURCE)


def _file_location(rel: str, options: ServerLogOptions) -> int:
    for pattern, location in options.locations.items():
        if fnmatchcase(rel, pattern):
            return LOCATIONS.index(location)
    if options.location_default is not None:
        return LOCATIONS.index(options.location_default)
    return -1


def _where(stats: LineStats) -> str:
    places = ", ".join(f"{ref.line} ({ref.reason})" for ref in stats.first)
    more = "" if stats.count <= len(stats.first) else ", …"
    return f"first at line{'s' if len(stats.first) > 1 else ''} {places}{more}"


def _file_problems(rel: str, stats: _FileStats, p: _Parsers, window: str) -> list[Problem]:
    problems = []
    if stats.bad.count:
        reasons = ", ".join(f"{r}: {c}" for r, c in sorted(stats.bad.by_reason.items()))
        problems.append(
            _problem(
                "server-logs-bad-lines",
                f"{stats.bad.count} of {stats.lines} lines unusable ({reasons}); "
                f"{_where(stats.bad)}; fix: repair the writer or map the fields in "
                f"server.fields (timestamp {p.ts!r}, "
                f"ok {p.ok!r}, latency {p.latency!r}, location {p.location!r})",
                rel,
                stats.bad.first[0].line,
                "warning",
            )
        )
    if stats.future.count:
        problems.append(
            _problem(
                "server-logs-future",
                f"{stats.future.count} requests are timed after now and were ignored; "
                f"{_where(stats.future)}; fix: check the writer's clock and time zone",
                rel,
                stats.future.first[0].line,
                "warning",
            )
        )
    if stats.outside.count:
        problems.append(
            _problem(
                "server-logs-outside-window",
                f"{stats.outside.count} requests are older than the {window} budget window "
                f"and were ignored; {_where(stats.outside)}",
                rel,
                stats.outside.first[0].line,
                "notice",
            )
        )
    return problems


def _parsers(policy: ServerPolicy, options: ServerLogOptions) -> _Parsers:
    known = {name: i for i, name in enumerate(LOCATIONS)}
    return _Parsers(
        ts=policy.fields.timestamp,
        ok=policy.fields.ok,
        latency=policy.fields.latency_ms,
        location=policy.fields.location,
        timestamp=_timestamp_parser(options.timestamp_unit),
        success=_success_parser(options),
        latency_scale=MICROS_PER_MS if options.latency_unit == "ms" else MICROS_PER_S,
        locations=known,
    )


def _target_us(policy: ServerPolicy, location: str) -> int:
    """The critical P95 limit in µs that "within target" is counted against (-1: none)."""
    limit = getattr(policy.latency, location).p95.critical
    return -1 if limit is None else round(limit * MICROS_PER_S)


def _accumulator(
    policy: ServerPolicy, budget: BudgetPolicy, now: datetime, bucket_s: int
) -> _Accumulator:
    now_f = now.timestamp()
    now_s = math.floor(now_f)
    n = max(1, math.ceil(budget.window / bucket_s))
    return _Accumulator(
        base_s=now_s - n * bucket_s,
        bucket_s=bucket_s,
        n=n,
        from_s=now_s - budget.window,
        now_f=now_f,
        target_us=(_target_us(policy, "local"), _target_us(policy, "remote")),
    )


def collect_server_logs(
    policy: ServerPolicy,
    budget: BudgetPolicy,
    workspace: Path,
    now: datetime,
    options: ServerLogOptions | None = None,
) -> ServerMeasurement:
    """Read every log file of ``policy.logs`` and count the budget window ending at ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    options = options or ServerLogOptions.from_policy(policy)
    acc = _accumulator(policy, budget, now, options.bucket_s)
    p = _parsers(policy, options)
    window = f"{budget.window / 86400:g} d"
    files, problems = find_logs(policy.logs, workspace)
    if not policy.logs:
        problems.append(
            _problem(
                "server-logs-none",
                "no server log is configured; fix: set server.logs to globs of the request logs",
                None,
            )
        )
    total = _FileStats()
    root = workspace.resolve()
    for path in files:
        rel = path.relative_to(root).as_posix()
        try:
            if _format(path, options.format) == "jsonl":
                with _open(path) as stream:
                    stats = _read_jsonl(stream, acc, p, rel, _file_location(rel, options))
            else:
                with _open(path) as stream:
                    stats, header = _read_csv(stream, acc, p, rel, _file_location(rel, options))
                problems.extend(header)
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            problems.append(
                _problem(
                    "server-logs-unreadable",
                    f"{rel} could not be read "
                    f"({type(error).__name__}); fix: check the file and its permissions",
                    rel,
                )
            )
            continue
        problems.extend(_file_problems(rel, stats, p, window))
        total.lines += stats.lines
        total.requests += stats.requests
        total.bad.update(stats.bad)
        total.future.update(stats.future)
        total.outside.update(stats.outside)
    return _measurement(
        acc, options, [path.relative_to(root).as_posix() for path in files], total, problems
    )


def _measurement(
    acc: _Accumulator,
    options: ServerLogOptions,
    files: list[str],
    total: _FileStats,
    problems: list[Problem],
) -> ServerMeasurement:
    share = 0.0 if total.lines == 0 else total.bad.count / total.lines
    no_data = total.lines > 0 and share > options.max_bad_share
    if no_data:
        problems.append(
            _problem(
                "server-logs-too-many-bad",
                f"{total.bad.count} of {total.lines} log lines ({share * 100:.2f} %) are unusable, "
                f"more than the {options.max_bad_share * 100:g} % allowed: the server SLOs report "
                "no-data; fix: repair the lines listed above or the field mapping",
                total.bad.first[0].path if total.bad.first else None,
                total.bad.first[0].line if total.bad.first else None,
            )
        )
    elif files and total.lines == 0:
        problems.append(
            _problem(
                "server-logs-empty",
                f"the {len(files)} server log file(s) hold "
                "no request; fix: check that the logs were written",
                files[0],
            )
        )
    latency = {
        name: LocationLatency(
            location=name,
            target_us=acc.target_us[i],
            series=acc.series(acc.lat_good[i], acc.lat_valid[i]),
            digest=acc.digests[i],
        )
        for i, name in enumerate(LOCATIONS)
    }
    return ServerMeasurement(
        window_start_s=acc.base_s,
        now_s=acc.base_s + acc.n * acc.bucket_s,
        availability=acc.series(acc.avail_good, acc.avail_valid),
        latency=latency,
        files=tuple(files),
        lines=total.lines,
        requests=total.requests,
        bad=total.bad,
        future=total.future,
        outside=total.outside,
        max_bad_share=options.max_bad_share,
        no_data=no_data,
        problems=tuple(problems),
    )
