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
import math
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_gate.collectors.log_lines import (
    SOURCE,
    Accumulator,
    FileStats,
    Parsers,
    log_format,
    open_log,
    read_csv,
    read_jsonl,
    success_parser,
    timestamp_parser,
)
from slo_gate.collectors.paths import (
    MAX_MATCHES,
    glob_files,
    glob_match,
    pattern_problem,
    shown_name,
)
from slo_gate.config.policy import BudgetPolicy, ServerPolicy
from slo_gate.config.units import Ratio
from slo_gate.events import (
    MICROS_PER_MS,
    MICROS_PER_S,
    LineStats,
    LocationLatency,
    ServerMeasurement,
)
from slo_gate.formatting import counted
from slo_gate.measurements import Problem

LOCATIONS = ("local", "remote")
OK_WORDS = frozenset(
    {"ok", "success", "succeeded", "successful", "pass", "passed", "true", "yes", "1"}
)
BAD_WORDS = frozenset(
    {"error", "err", "fail", "failed", "failure", "timeout", "timed_out", "false", "no", "0"}
)


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


def _bad_pattern(pattern: str) -> str | None:
    why = pattern_problem(pattern)
    if why is not None:
        return why
    pure = PurePosixPath(pattern.replace("\\", "/"))
    if pure.is_absolute() or pattern[1:3] == ":/" or pattern[1:3] == ":\\":
        return "is absolute"
    if ".." in pure.parts:
        return "climbs out with '..'"
    return None


def find_logs(patterns: list[str], workspace: Path) -> tuple[list[Path], list[Problem]]:
    """Files matched by the policy globs, inside the workspace only, each once, sorted.

    Matching walks only below the pattern's literal folders, with the bounds of
    ``paths.glob_files`` (no directory link followed, regular files only, depth and count caps).
    """
    root = workspace.resolve()
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for pattern in patterns:
        why = _bad_pattern(pattern)
        if why:
            problems.append(
                _problem(
                    "server-logs-pattern",
                    f"log pattern {shown_name(pattern[:200])!r} {why}; "
                    "fix: write server.logs relative to the workspace",
                    None,
                )
            )
            continue
        matched = glob_files(root, pattern, source=SOURCE)
        problems.extend(matched.problems)
        for escaped in matched.escaping_links:
            problems.append(
                _problem(
                    "server-logs-outside-workspace",
                    f"{escaped} points outside the workspace and was "
                    "not read; fix: copy the log into the workspace instead of linking it",
                    escaped,
                )
            )
        if len(matched.files) > MAX_MATCHES:
            problems.append(
                _problem(
                    "server-logs-too-many-files",
                    f"server.logs pattern {pattern!r} matched {len(matched.files)} files, more "
                    f"than the limit of {MAX_MATCHES}; only the first {MAX_MATCHES} were read; "
                    "fix: narrow the pattern or merge the logs",
                    None,
                )
            )
            del matched.files[MAX_MATCHES:]
        if not matched.files and not matched.escaping_links:
            problems.append(
                _problem(
                    "server-logs-no-match",
                    f"server.logs pattern {pattern!r} matched no file under the workspace; fix: "
                    "check the path, or download the logs before slo-gate runs",
                    None,
                )
            )
        found.update(dict.fromkeys(root / rel for rel in matched.files))
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
        if glob_match(pattern, rel):
            return LOCATIONS.index(location)
    if options.location_default is not None:
        return LOCATIONS.index(options.location_default)
    return -1


def _where(stats: LineStats) -> str:
    places = ", ".join(f"{ref.line} ({ref.reason})" for ref in stats.first)
    more = "" if stats.count <= len(stats.first) else ", …"
    return f"first at line{'s' if len(stats.first) > 1 else ''} {places}{more}"


def _file_problems(rel: str, stats: FileStats, p: Parsers, window: str) -> list[Problem]:
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


def _parsers(policy: ServerPolicy, options: ServerLogOptions) -> Parsers:
    known = {name: i for i, name in enumerate(LOCATIONS)}
    return Parsers(
        ts=policy.fields.timestamp,
        ok=policy.fields.ok,
        latency=policy.fields.latency_ms,
        location=policy.fields.location,
        timestamp=timestamp_parser(options.timestamp_unit),
        success=success_parser(options.ok_values, options.bad_values, options.bad_status_from),
        latency_scale=MICROS_PER_MS if options.latency_unit == "ms" else MICROS_PER_S,
        locations=known,
    )


def _target_us(policy: ServerPolicy, location: str) -> int:
    """The critical P95 limit in µs that "within target" is counted against (-1: none)."""
    limit = getattr(policy.latency, location).p95.critical
    return -1 if limit is None else round(limit * MICROS_PER_S)


def _accumulator(
    policy: ServerPolicy, budget: BudgetPolicy, now: datetime, bucket_s: int
) -> Accumulator:
    now_f = now.timestamp()
    now_s = math.floor(now_f)
    n = max(1, math.ceil(budget.window / bucket_s))
    return Accumulator(
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
    return collect_server_windows(policy, [(budget, now)], workspace, options)[0]


def collect_server_windows(
    policy: ServerPolicy,
    windows: Sequence[tuple[BudgetPolicy, datetime]],
    workspace: Path,
    options: ServerLogOptions | None = None,
) -> list[ServerMeasurement]:
    """One pass over the logs for several windows (``budget.window`` seconds ending at ``now``).

    Each line is parsed once and counted into every window's buckets and latency digest, so
    each measurement is exactly what ``collect_server_logs`` returns for that window alone.
    """
    if not windows:
        return []
    for _budget, now in windows:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
    options = options or ServerLogOptions.from_policy(policy)
    accs = [_accumulator(policy, budget, now, options.bucket_s) for budget, now in windows]
    labels = [f"{budget.window / 86400:g} d" for budget, _now in windows]
    p = _parsers(policy, options)
    files, found = find_logs(policy.logs, workspace)
    if not policy.logs:
        found.append(
            _problem(
                "server-logs-none",
                "no server log is configured; fix: set server.logs to globs of the request logs",
                None,
            )
        )
    problems = [list(found) for _ in windows]
    totals = [FileStats() for _ in windows]
    root = workspace.resolve()
    for path in files:
        rel = path.relative_to(root).as_posix()
        try:
            if log_format(path, options.format) == "jsonl":
                with open_log(path) as stream:
                    stats = read_jsonl(stream, accs, p, rel, _file_location(rel, options))
            else:
                with open_log(path) as stream:
                    stats, header = read_csv(stream, accs, p, rel, _file_location(rel, options))
                for window_problems in problems:
                    window_problems.extend(header)
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error, csv.Error) as error:
            unreadable = _problem(
                "server-logs-unreadable",
                f"{rel} could not be read "
                f"({type(error).__name__}); fix: check the file and its permissions",
                rel,
            )
            for window_problems in problems:
                window_problems.append(unreadable)
            continue
        for window_stats, total, window_problems, label in zip(
            stats, totals, problems, labels, strict=True
        ):
            window_problems.extend(_file_problems(rel, window_stats, p, label))
            total.lines += window_stats.lines
            total.requests += window_stats.requests
            total.bad.update(window_stats.bad)
            total.future.update(window_stats.future)
            total.outside.update(window_stats.outside)
    shown = [path.relative_to(root).as_posix() for path in files]
    return [
        _measurement(acc, options, shown, total, window_problems)
        for acc, total, window_problems in zip(accs, totals, problems, strict=True)
    ]


def _measurement(
    acc: Accumulator,
    options: ServerLogOptions,
    files: list[str],
    total: FileStats,
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
                f"no request in the {counted(len(files), 'server log file')}; "
                "fix: check that the logs were written",
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
