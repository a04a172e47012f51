"""The server-log collector on real files: formats, bad lines, windows, globs, the example."""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_gate.collectors.server_logs import ServerLogOptions, collect_server_logs
from slo_gate.config.policy import BudgetPolicy, ServerPolicy
from slo_gate.engine.release import decide_release
from slo_gate.engine.server import evaluate_server
from slo_gate.events import ServerMeasurement

NOW = datetime(2026, 11, 1, tzinfo=UTC)
NOW_S = int(NOW.timestamp())
NOON = NOW_S - 12 * 3600  # 2026-10-31T12:00:00Z
BUDGET = BudgetPolicy()
REPO = Path(__file__).resolve().parents[2]


def write_jsonl(path: Path, rows: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def row(ts: Any = "2026-10-31T12:00:00Z", ok: Any = True, ms: Any = 100, loc: Any = "local") -> Any:
    return {"ts": ts, "ok": ok, "latency_ms": ms, "location": loc}


def collect(
    ws: Path, logs: list[str] | None = None, options: ServerLogOptions | None = None
) -> ServerMeasurement:
    policy = ServerPolicy(logs=logs if logs is not None else ["logs/*.jsonl"])
    return collect_server_logs(policy, BUDGET, ws, NOW, options)


def codes(m: ServerMeasurement) -> list[str]:
    return [p.code for p in m.problems]


def test_timestamp_forms_land_in_the_same_minute(tmp_path: Path) -> None:
    forms = [
        "2026-10-31T12:00:00Z",
        "2026-10-31T14:00:30+02:00",
        "2026-10-31 12:00:59",  # no zone: UTC
        NOON,
        NOON * 1000 + 999,  # epoch ms
        float(NOON) + 0.5,
        str(NOON),
        str(NOON * 1000),
    ]
    write_jsonl(tmp_path / "logs/a.jsonl", [row(ts=t) for t in forms])
    m = collect(tmp_path)
    assert m.problems == ()
    assert (m.lines, m.requests) == (8, 8)
    buckets = m.availability.buckets
    assert [(b.start_s, b.good, b.valid) for b in buckets] == [(NOON, 8, 8)]


def test_success_as_boolean_word_or_http_status(tmp_path: Path) -> None:
    oks = [True, False, "ok", "ERROR", " Success ", "timeout", 200, 404, 503, "500", "204"]
    write_jsonl(tmp_path / "logs/a.jsonl", [row(ok=o) for o in [*oks, "maybe", 700, None]])
    m = collect(tmp_path)
    total = m.availability.total
    assert (total.good, total.valid) == (6, 11)  # True ok Success 200 404 204
    assert m.bad.by_reason == {
        "unknown success value": 1,
        "HTTP status out of range": 1,
        "missing success field": 1,
    }
    assert [ref.line for ref in m.bad.first] == [12, 13, 14]


def test_latency_in_ms_or_s_and_exact_p95(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs/a.jsonl", [row(ms=i / 1000) for i in range(1, 101)])
    m = collect(tmp_path, options=ServerLogOptions(latency_unit="s"))
    digest = m.latency["local"].digest
    assert digest.n == 100
    assert digest.percentile_ms(0.95) == 95.0  # 0.095 s
    assert digest.percentile_ms(0.5) == 50.0
    write_jsonl(tmp_path / "logs/a.jsonl", [row(ms="123.456"), row(ms=0)])
    m = collect(tmp_path)
    assert sorted(m.latency["local"].digest.counts) == [0, 123_456]


def test_bad_lines_are_counted_with_line_numbers_never_echoed(tmp_path: Path) -> None:
    hostile = "::error::pwned <script>@team"
    rows = [
        row(),
        f"{{not json {hostile}",
        "[1, 2, 3]",
        row(ms=-5),
        row(ts=hostile),
        row(loc=hostile),
        row(ms=None),  # a success needs a latency
        row(ok=False, ms=None),  # a failure may have none: counts for availability only
        "",
        "   ",
        row(ms="fast"),
        {"ok": True, "latency_ms": 5, "location": "local"},
    ]
    write_jsonl(tmp_path / "logs/a.jsonl", rows)
    m = collect(tmp_path, options=ServerLogOptions(max_bad_share=1.0))
    assert (m.lines, m.requests, m.bad.count) == (10, 2, 8)
    assert m.bad.by_reason == {
        "not JSON": 1,
        "not a JSON object": 1,
        "negative latency": 1,
        "unparseable timestamp": 1,
        "unknown location": 1,
        "missing latency": 1,
        "unparseable latency": 1,
        "missing timestamp": 1,
    }
    assert [ref.line for ref in m.bad.first] == [2, 3, 4, 5, 6]
    assert (m.availability.total.good, m.availability.total.valid) == (1, 2)
    assert m.latency["local"].digest.n == 1
    problem = next(p for p in m.problems if p.code == "server-logs-bad-lines")
    assert (problem.path, problem.line, problem.level) == ("logs/a.jsonl", 2, "warning")
    assert "8 of 10 lines unusable" in problem.message
    assert "first at lines 2 (not JSON), 3 (not a JSON object), 4 (negative latency)" in (
        problem.message
    )
    assert "fix:" in problem.message
    for p in m.problems:
        assert "pwned" not in p.message and "<script>" not in p.message


def test_future_and_out_of_window_requests_are_reported_and_ignored(tmp_path: Path) -> None:
    start = NOW_S - 30 * 86400
    rows = [
        row(ts=start),  # the first second of the window: in
        row(ts=NOW_S),  # now: in
        row(ts=start - 1),  # just before the window
        row(ts=NOW_S + 1),  # the future
        row(ts="2027-01-01T00:00:00Z"),
    ]
    write_jsonl(tmp_path / "logs/a.jsonl", rows)
    m = collect(tmp_path)
    assert (m.lines, m.requests, m.future.count, m.outside.count, m.bad.count) == (5, 2, 2, 1, 0)
    assert [b.start_s for b in m.availability.buckets] == [start, NOW_S - 60]
    future = next(p for p in m.problems if p.code == "server-logs-future")
    assert (future.line, future.level) == (4, "warning")
    assert "2 requests are timed after now" in future.message
    outside = next(p for p in m.problems if p.code == "server-logs-outside-window")
    assert (outside.line, outside.level) == (3, "notice")
    assert not m.no_data


def test_too_many_bad_lines_make_no_data(tmp_path: Path) -> None:
    rows: list[Any] = [row() for _ in range(99)] + ["garbage"]
    write_jsonl(tmp_path / "logs/a.jsonl", rows)
    assert not collect(tmp_path).no_data  # 1 % is allowed
    write_jsonl(tmp_path / "logs/a.jsonl", [*rows, "garbage"])
    m = collect(tmp_path)
    assert m.no_data  # 2 of 101
    problem = next(p for p in m.problems if p.code == "server-logs-too-many-bad")
    assert (problem.level, problem.path, problem.line) == ("error", "logs/a.jsonl", 100)
    assert "more than the 1 % allowed" in problem.message
    slos = evaluate_server(m, ServerPolicy(), BUDGET, NOW)
    assert {s.status for s in slos} == {"no-data"}
    assert not collect(tmp_path, options=ServerLogOptions(max_bad_share=0.05)).no_data


def test_csv_with_header_quotes_and_bad_rows(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/req.csv").write_text(
        "ts,ok,latency_ms,location,note\n"
        '2026-10-31T12:00:00Z,true,120,local,"a, quoted, note"\n'
        "1793448000,503,1600,remote,x\n"
        "1793448000,200,1400.5,remote\n"
        "\n"
        "2026-10-31T12:00:00Z,yes,90,local,y\n",
        encoding="utf-8",
    )
    m = collect(tmp_path, logs=["logs/*.csv"], options=ServerLogOptions(max_bad_share=1.0))
    assert (m.lines, m.requests, m.bad.count) == (4, 3, 1)
    assert m.bad.first[0].line == 4 and m.bad.first[0].reason == "wrong number of columns"
    assert (m.availability.total.good, m.availability.total.valid) == (2, 3)
    assert m.latency["remote"].series.total.good == 0  # 1.6 s > 1.5 s
    assert m.latency["local"].digest.n == 2


def test_csv_without_the_mapped_columns(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/req.csv").write_text("time,status\n1793448000,200\n", encoding="utf-8")
    m = collect(tmp_path, logs=["logs/*.csv"])
    problem = next(p for p in m.problems if p.code == "server-logs-csv-header")
    assert "no column 'ts', 'ok'" in problem.message and problem.line == 1
    assert m.no_data


def test_format_is_sniffed_and_gzip_is_read(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs/a.log", [row()])
    (tmp_path / "logs/b.txt").write_text("ts,ok,latency_ms,location\n1793448000,1,5,local\n")
    with gzip.open(tmp_path / "logs/c.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(json.dumps(row()) + "\n" + json.dumps(row(ok=False)) + "\n")
    m = collect(tmp_path, logs=["logs/a.log", "logs/b.txt", "logs/*.gz"])
    assert m.problems == ()
    assert (m.availability.total.good, m.availability.total.valid) == (3, 4)
    assert m.files == ("logs/a.log", "logs/b.txt", "logs/c.jsonl.gz")


def test_location_per_file_or_default(tmp_path: Path) -> None:
    bare = {"ts": NOON, "ok": True, "latency_ms": 10}
    write_jsonl(tmp_path / "logs/remote-1.jsonl", [bare, bare])
    write_jsonl(tmp_path / "logs/other.jsonl", [bare, row(loc="REMOTE")])
    options = ServerLogOptions(locations={"logs/remote-*": "remote"}, location_default="local")
    m = collect(tmp_path, options=options)
    assert (m.latency["remote"].digest.n, m.latency["local"].digest.n) == (3, 1)
    m = collect(tmp_path)
    assert m.bad.by_reason == {"missing location": 3}


def test_globs_stay_inside_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    write_jsonl(tmp_path / "secret.jsonl", [row()])
    write_jsonl(ws / "logs/a.jsonl", [row()])
    (ws / "logs/link.jsonl").symlink_to(tmp_path / "secret.jsonl")
    m = collect(ws, logs=["logs/*.jsonl", "../secret.jsonl", str(tmp_path / "secret.jsonl")])
    assert m.files == ("logs/a.jsonl",)
    assert m.requests == 1
    assert codes(m) == [
        "server-logs-outside-workspace",
        "server-logs-pattern",
        "server-logs-pattern",
    ]
    assert m.problems[0].path == "logs/link.jsonl"
    assert "'..'" in m.problems[1].message and "absolute" in m.problems[2].message


def test_no_match_no_config_and_empty_files_are_problems(tmp_path: Path) -> None:
    m = collect(tmp_path, logs=["logs/*.jsonl"])
    assert codes(m) == ["server-logs-no-match"]
    assert m.problems[0].level == "error" and "fix:" in m.problems[0].message
    assert codes(collect(tmp_path, logs=[])) == ["server-logs-none"]
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs/a.jsonl").write_text("\n")
    empty = collect(tmp_path)
    assert codes(empty) == ["server-logs-empty"]
    assert empty.problems[0].message.startswith("no request in the 1 server log file;")


def test_the_same_file_matched_twice_is_read_once(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs/a.jsonl", [row()])
    m = collect(tmp_path, logs=["logs/*.jsonl", "logs/a.jsonl", "**/*.jsonl"])
    assert m.requests == 1


def test_naive_now_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        collect_server_logs(ServerPolicy(), BUDGET, tmp_path, datetime(2026, 11, 1))


line_st = st.one_of(
    st.builds(
        row,
        ts=st.integers(NOW_S - 31 * 86400, NOW_S + 3600),
        ok=st.sampled_from([True, False, 200, 503, "ok", "error"]),
        ms=st.integers(-5, 3000),
        loc=st.sampled_from(["local", "remote", "mars"]),
    ),
    st.sampled_from(["{", "[]", "null"]),
)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(line_st, min_size=1, max_size=120), seed=st.integers(0, 2**32))
def test_results_do_not_depend_on_the_order_of_lines(rows: list[Any], seed: int) -> None:
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    results = []
    for order in (rows, shuffled):
        with tempfile.TemporaryDirectory() as tmp:
            write_jsonl(Path(tmp) / "logs/a.jsonl", order)
            results.append(collect(Path(tmp), options=ServerLogOptions(max_bad_share=1.0)))
    a, b = results
    assert a.availability == b.availability
    for loc in ("local", "remote"):
        assert a.latency[loc].series == b.latency[loc].series
        assert a.latency[loc].digest.counts == b.latency[loc].digest.counts
    assert (a.lines, a.requests, a.bad.by_reason) == (b.lines, b.requests, b.bad.by_reason)
    assert (a.future.count, a.outside.count) == (b.future.count, b.outside.count)
    assert evaluate_server(a, ServerPolicy(), BUDGET, NOW) == evaluate_server(
        b, ServerPolicy(), BUDGET, NOW
    )


# ----------------------------------------------------------------------------- the example


def test_example_logs_show_a_visible_pause() -> None:
    policy = ServerPolicy(logs=["examples/logs/mcp/*.jsonl"])
    m = collect_server_logs(policy, BUDGET, REPO, NOW)
    slos = {s.id: s for s in evaluate_server(m, policy, BUDGET, NOW)}
    availability = slos["mcp-availability"]
    assert availability.budget is not None
    assert 0.75 <= availability.budget.consumed < 1.0
    outcome = decide_release(list(slos.values()), BUDGET)
    assert outcome.decision == "pause"
    assert outcome.release.state == "paused"
    assert outcome.release.reason.startswith("releases paused: mcp-availability: ")
    local = slos["mcp-latency-local"]
    assert local.budget is not None
    assert [a.name for a in local.budget.alerts] == ["latency-hourly"]
    assert "2026-10-20" in local.budget.alerts[0].message
    assert [a.name for a in availability.budget.alerts] == ["policy"]
    assert m.bad.count == 2 and not m.no_data
    assert m.outside.count > 0 and m.future.count == 0


def test_example_logs_are_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_logs", REPO / "examples/generate_logs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    module.write(tmp_path, 2026)
    for name in ("local.jsonl", "remote.jsonl"):
        committed = (REPO / "examples/logs/mcp" / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, name
    size = sum(p.stat().st_size for p in (REPO / "examples/logs/mcp").glob("*.jsonl"))
    assert size < 2_100_000


def test_now_with_fractions_of_a_second(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs/a.jsonl", [row(ts=NOW_S + 0.25)])
    m = collect_server_logs(
        ServerPolicy(logs=["logs/*.jsonl"]), BUDGET, tmp_path, NOW + timedelta(seconds=0.5)
    )
    assert m.requests == 1 and m.availability.buckets[0].start_s == NOW_S - 60


def test_options_come_from_the_policy_when_it_has_them() -> None:
    assert ServerLogOptions.from_policy(ServerPolicy()) == ServerLogOptions()

    options = ServerLogOptions.from_policy(ServerPolicy(latency_unit="s", max_bad_share=0.05))
    assert (options.latency_unit, options.max_bad_share) == ("s", 0.05)
