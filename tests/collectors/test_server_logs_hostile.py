"""Hostile server logs (issue 12): bad values are counted lines, bad files and globs are named
problems; nothing raises (``OverflowError``, ``_csv.Error``, ``zlib.error``, ``ValueError``)."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slo_gate.collectors.server_logs import collect_server_logs
from slo_gate.config.policy import BudgetPolicy, ServerPolicy
from slo_gate.events import ServerMeasurement

NOW = datetime(2026, 11, 1, tzinfo=UTC)
GOOD = '{"ts": "2026-10-31T12:00:00Z", "ok": true, "latency_ms": 100, "location": "local"}'


def collect(ws: Path, logs: list[str]) -> ServerMeasurement:
    return collect_server_logs(ServerPolicy(logs=logs), BudgetPolicy(), ws, NOW)


def codes(m: ServerMeasurement) -> list[str]:
    return [p.code for p in m.problems]


def line(ts: str = '"2026-10-31T12:00:00Z"', latency: str = "100") -> str:
    return f'{{"ts": {ts}, "ok": true, "latency_ms": {latency}, "location": "local"}}'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (line(latency="1e400"), None),  # inf (json) or refused (orjson): either way a bad line
        (line(latency="9" * 400), None),  # an integer too large for a float
        (line(latency='"inf"'), "unparseable latency"),
        (line(latency='"-inf"'), "negative latency"),
        (line(latency='"nan"'), "unparseable latency"),
        (line(latency="1e300"), "latency over a week"),
        (line(ts="1" + "0" * 400), None),
        (line(ts='"nan"'), "unparseable timestamp"),
        (line(ts='"1e400"'), "unparseable timestamp"),
    ],
)
def test_huge_and_infinite_numbers_are_bad_lines(
    tmp_path: Path, text: str, reason: str | None
) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_text(f"{GOOD}\n{text}\n", "utf-8")
    m = collect(tmp_path, ["logs/*.jsonl"])
    assert (m.lines, m.requests, m.bad.count) == (2, 1, 1)
    if reason is not None:
        assert m.bad.by_reason == {reason: 1}


@pytest.mark.parametrize("pattern", ["", ".", "./", "  ", "logs/\x00.jsonl", "*" * 2000])
def test_unusable_log_globs_are_named_problems(tmp_path: Path, pattern: str) -> None:
    m = collect(tmp_path, [pattern])
    assert codes(m)[0] == "server-logs-pattern"
    json.dumps([p.model_dump() for p in m.problems])


def test_a_csv_field_over_the_limit_is_a_bounded_problem(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    header = "ts,ok,latency_ms,location\n"
    good = "2026-10-31T12:00:00Z,true,100,local\n"
    (tmp_path / "logs" / "a.csv").write_text(header + good + "x" * 200_000 + "\n" + good, "utf-8")
    m = collect(tmp_path, ["logs/*.csv"])
    assert "server-logs-csv-unreadable" in codes(m)
    assert m.requests == 1
    problem = next(p for p in m.problems if p.code == "server-logs-csv-unreadable")
    assert (problem.path, problem.line) == ("logs/a.csv", 3)
    assert "131,072 characters" in problem.message


def test_an_unterminated_quote_is_a_bounded_problem(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    text = 'ts,ok,latency_ms,location\n2026-10-31T12:00:00Z,true,100,local\n"' + "a\n" * 70_000
    (tmp_path / "logs" / "a.csv").write_text(text, "utf-8")
    m = collect(tmp_path, ["logs/*.csv"])
    assert m.requests == 1
    assert "server-logs-csv-unreadable" in codes(m)


def test_a_corrupt_gzip_log_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    data = bytearray(gzip.compress((GOOD + "\n").encode() * 1000))
    data[20:40] = b"\xff" * 20  # bad deflate data after a valid header
    (tmp_path / "logs" / "a.jsonl.gz").write_bytes(bytes(data))
    (tmp_path / "logs" / "b.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    m = collect(tmp_path, ["logs/*.gz"])
    assert codes(m).count("server-logs-unreadable") == 2


def test_log_globs_never_follow_directory_links_or_read_special_files(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "sub").mkdir(parents=True)
    (logs / "sub" / "a.jsonl").write_text(GOOD + "\n", "utf-8")
    (logs / "sub" / "loop").symlink_to("..", target_is_directory=True)
    os.mkfifo(logs / "fifo.jsonl")
    (logs / "zero.jsonl").symlink_to("/dev/zero")
    m = collect(tmp_path, ["**/*.jsonl"])
    assert m.files == ("logs/sub/a.jsonl",)
    assert m.requests == 1
    assert sorted(codes(m)) == ["path-special-file", "server-logs-outside-workspace"]


def test_a_line_over_the_limit_is_a_bad_line_and_the_next_still_counts(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    long = '{"ts": "' + "x" * (3 * 1024 * 1024) + '"}'
    deep = "[" * 100_000 + "]" * 100_000
    text = f"{GOOD}\n{long}\n{deep}\n{GOOD}\n"
    (tmp_path / "logs" / "a.jsonl").write_text(text, "utf-8")
    m = collect(tmp_path, ["logs/*.jsonl"])
    assert (m.lines, m.requests) == (4, 2)
    assert m.bad.by_reason == {"line too long": 1, "not JSON": 1}
    assert [ref.line for ref in m.bad.first] == [2, 3]
