"""Server log lines → counts: value parsing, one request's bookkeeping, the JSONL and CSV readers.

Log text is untrusted: every value is checked here and a line that cannot be used raises
``Bad`` with a fixed reason (never log text), which the readers count. Numbers are bounded
(timestamps and latencies must be finite and sane, so no ``OverflowError`` can escape), a CSV
field over the ``csv`` module's limit or a quote never closed ends that file's reading with a
counted reason, and compressed files that are corrupt are reported by the caller.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, cast

from slo_gate.events import LatencyDigest, LineStats, RatioSeries
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
#: a latency above this (a week) is not a request's: the line is counted as bad
MAX_LATENCY_US = 7 * 86_400 * 1_000_000
#: a JSON log line longer than this is counted as bad without being parsed (or held whole)
MAX_LINE_BYTES = 1024 * 1024
MS_EPOCH_FROM = 100_000_000_000  # numbers from here on are epoch ms (1e11 s is the year 5138)


class Bad(Exception):
    """A line that cannot be used; ``args[0]`` is a fixed reason (never log text)."""


@dataclass(slots=True)
class FileStats:
    lines: int = 0
    requests: int = 0
    bad: LineStats = field(default_factory=LineStats)
    future: LineStats = field(default_factory=LineStats)
    outside: LineStats = field(default_factory=lambda: LineStats(keep=1))  # old logs: one place


@dataclass(slots=True)
class Accumulator:
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
class Parsers:
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


def _epoch(value: float, unit: str) -> float:
    try:
        number = float(value)  # a JSON integer of 400 digits does not fit
    except OverflowError:
        raise Bad("unparseable timestamp") from None
    if not math.isfinite(number) or number < 0:
        raise Bad("unparseable timestamp")
    if unit == "ms" or (unit == "auto" and number >= MS_EPOCH_FROM):
        return number / 1000
    return number


def timestamp_parser(unit: str) -> Callable[[Any], float]:
    """ISO 8601 text, or epoch seconds / milliseconds as numbers or digit strings."""

    def parse(value: Any) -> float:
        kind = type(value)
        if kind is str:
            if unit in ("auto", "iso"):
                try:  # ISO 8601 first: the common case, parsed in C
                    moment = datetime.fromisoformat(value)
                except ValueError:
                    if unit == "iso":
                        raise Bad("unparseable timestamp") from None
                else:
                    if moment.tzinfo is None:  # DESIGN.md: UTC unless configured
                        moment = moment.replace(tzinfo=UTC)
                    try:  # year 1 with a +14:00 offset lies before the datetime range
                        return moment.timestamp()
                    except (OverflowError, ValueError, OSError):
                        raise Bad("unparseable timestamp") from None
            try:  # epoch seconds or milliseconds written as text (CSV)
                number = float(value)
            except ValueError:
                raise Bad("unparseable timestamp") from None
            return _epoch(number, unit)
        if (kind is int or kind is float) and unit != "iso":
            return _epoch(value, unit)
        if value is None:
            raise Bad("missing timestamp")
        raise Bad("unparseable timestamp")

    return parse


def success_parser(
    ok_values: Iterable[str], bad_values: Iterable[str], bad_from: int
) -> Callable[[Any], bool]:
    """A boolean, a result word, or an HTTP status (below ``bad_from`` succeeds)."""
    ok_words = frozenset(w.lower() for w in ok_values)
    bad_words = frozenset(w.lower() for w in bad_values)

    def status(code: int) -> bool:
        if not 100 <= code <= 599:
            raise Bad("HTTP status out of range")
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
            raise Bad("unknown success value")
        if value is None:
            raise Bad("missing success field")
        raise Bad("unknown success value")

    return parse


def _latency_us(value: Any, scale: int) -> int:
    kind = type(value)
    if kind is int or kind is float or kind is str:
        try:
            number = float(value)
        except (ValueError, OverflowError):
            raise Bad("unparseable latency") from None
    else:
        raise Bad("unparseable latency")
    if number < 0:
        raise Bad("negative latency")
    if not math.isfinite(number):
        raise Bad("unparseable latency")
    micros = number * scale
    if micros > MAX_LATENCY_US:
        raise Bad("latency over a week")
    return round(micros)


def _location(value: Any, known: dict[str, int], default: int) -> int:
    index = known.get(value) if type(value) is str else None
    if index is not None:
        return index
    if value is None or value == "":
        if default < 0:
            raise Bad("missing location")
        return default
    if type(value) is str:
        index = known.get(value.strip().lower())
        if index is not None:
            return index
    raise Bad("unknown location")


# ----------------------------------------------------------------------------- counting


def _parse(p: Parsers, row: dict[str, Any], default_location: int) -> tuple[float, bool, int, int]:
    """One line's time, success, latency in µs (-1: none) and location; raises ``Bad``."""
    ts = p.timestamp(row.get(p.ts))
    ok = p.success(row.get(p.ok))
    raw_latency = row.get(p.latency)
    if raw_latency is None or raw_latency == "":
        if ok:  # a failed request may have no latency (it never answered)
            raise Bad("missing latency")
        latency = -1
    else:
        latency = _latency_us(raw_latency, p.latency_scale)
    where = _location(row.get(p.location), p.locations, default_location) if latency >= 0 else 0
    return ts, ok, latency, where


def _count(
    acc: Accumulator,
    stats: FileStats,
    path: str,
    lineno: int,
    ts: float,
    ok: bool,
    latency: int,
    where: int,
) -> None:
    """Count one parsed request into one window (or note it as after now / before the window)."""
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


def _take(
    accs: list[Accumulator],
    p: Parsers,
    stats: list[FileStats],
    path: str,
    lineno: int,
    row: dict[str, Any],
    default_location: int,
) -> None:
    """Parse one line once and count it into every window (one ``FileStats`` per window)."""
    try:
        ts, ok, latency, where = _parse(p, row, default_location)
    except Bad as bad:
        _bad(stats, path, lineno, bad.args[0])
        return
    if len(accs) == 1:
        _count(accs[0], stats[0], path, lineno, ts, ok, latency, where)
        return
    for acc, window_stats in zip(accs, stats, strict=True):
        _count(acc, window_stats, path, lineno, ts, ok, latency, where)


def _bad(stats: list[FileStats], path: str, lineno: int, reason: str) -> None:
    for window_stats in stats:
        window_stats.bad.add(path, lineno, reason)


def read_jsonl(
    stream: IO[bytes], accs: list[Accumulator], p: Parsers, path: str, default_location: int
) -> list[FileStats]:
    """Count a JSON-lines stream into every window in one pass (one ``FileStats`` per window);
    a line over ``MAX_LINE_BYTES`` is a bad line (never held)."""
    stats = [FileStats() for _ in accs]
    loads = _loads
    lines = 0
    chunks = iter(partial(stream.readline, MAX_LINE_BYTES), b"")  # no Python frame per line
    for lineno, raw in enumerate(chunks, 1):
        if len(raw) >= MAX_LINE_BYTES and not raw.endswith(b"\n"):
            for rest in chunks:  # the rest of the long line, in bounded pieces
                if rest.endswith(b"\n"):
                    break
            lines += 1
            _bad(stats, path, lineno, "line too long")
            continue
        if raw.isspace():
            continue
        lines += 1
        try:
            row = loads(raw)
        except (ValueError, RecursionError):
            _bad(stats, path, lineno, "not JSON")
            continue
        if type(row) is not dict:
            _bad(stats, path, lineno, "not a JSON object")
            continue
        _take(accs, p, stats, path, lineno, row, default_location)
    for window_stats in stats:
        window_stats.lines = lines
    return stats


def read_csv(
    stream: IO[bytes], accs: list[Accumulator], p: Parsers, path: str, default_location: int
) -> tuple[list[FileStats], list[Problem]]:
    """CSV with a header row; the mapped fields are column names. One pass for every window."""
    stats = [FileStats() for _ in accs]
    # closing the wrapper closes the stream too; the caller's `with` tolerates that
    with io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="") as text:
        problems = _count_csv(csv.reader(text), accs, p, path, default_location, stats)
    return stats, problems


def _count_csv(
    reader: _csv.Reader,
    accs: list[Accumulator],
    p: Parsers,
    path: str,
    default_location: int,
    stats: list[FileStats],
) -> list[Problem]:
    """Count the rows of a CSV reader; a header without the mapped columns is a problem."""
    try:
        header = next(reader, None)
    except csv.Error:
        return [_csv_problem(path, reader.line_num)]
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
    lines = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            lines += 1
            _bad(stats, path, reader.line_num, "CSV field too long or quote never closed")
            problems.append(_csv_problem(path, reader.line_num))
            break
        lineno = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        lines += 1
        if len(row) != len(columns):
            _bad(stats, path, lineno, "wrong number of columns")
            continue
        _take(accs, p, stats, path, lineno, dict(zip(columns, row, strict=True)), default_location)
    for window_stats in stats:
        window_stats.lines = lines
    return problems


# ----------------------------------------------------------------------------- files


@contextmanager
def open_log(path: Path) -> Iterator[IO[bytes]]:
    """Binary stream of a log file; ``.gz`` files are decompressed on the fly."""
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as stream:
            yield cast(IO[bytes], stream)
    else:
        with path.open("rb") as stream:
            yield stream


def log_format(path: Path, wanted: str) -> Literal["jsonl", "csv"]:
    if wanted in ("jsonl", "csv"):
        return "jsonl" if wanted == "jsonl" else "csv"
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if last == ".csv":
        return "csv"
    with open_log(path) as stream:
        head = stream.read(4096).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


def _csv_problem(path: str, line: int) -> Problem:
    return Problem(
        code="server-logs-csv-unreadable",
        message=f"from line {line} on the CSV cannot be read: a field is longer than "
        f"{csv.field_size_limit():,} characters or a quote is never closed; the rest of the file "
        "was not read; fix: repair the writer, or quote fields that hold quotes",
        path=path,
        line=line,
        source=SOURCE,
    )
