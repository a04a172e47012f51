"""One pass over the server logs for several windows equals one read per window."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slo_gate.collectors.server_logs import collect_server_logs, collect_server_windows
from slo_gate.config.policy import BudgetPolicy, Policy, ServerPolicy
from slo_gate.report.periods import month_period, previous_period

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def _logs(ws: Path) -> None:
    """Two months of requests over three files (JSONL, gzip JSONL, CSV), with bad and future
    lines, failures without latency and both locations."""
    rng = random.Random(14)
    start = NOW - timedelta(days=62)
    rows: list[str] = []
    csv_rows = ["ts,ok,latency_ms,location"]
    for i in range(6000):
        moment = start + timedelta(seconds=rng.uniform(0, 63 * 86400))
        ok = rng.random() > 0.02
        ms = round(rng.lognormvariate(5, 0.8), 3)
        where = rng.choice(["local", "remote"])
        if i % 3 == 0:
            csv_rows.append(f"{moment.isoformat()},{'true' if ok else 'false'},{ms},{where}")
            continue
        row = {"ts": moment.isoformat(), "ok": ok, "location": where}
        if ok or rng.random() < 0.5:
            row["latency_ms"] = ms
        rows.append(json.dumps(row))
    rows[10:10] = ["not json", '{"ts": "yesterday", "ok": true}', "[1, 2]"]
    csv_rows.insert(7, "2026-11-01T00:00:00Z,maybe,10,local")
    (ws / "logs").mkdir()
    half = len(rows) // 2
    (ws / "logs" / "a.jsonl").write_text("\n".join(rows[:half]) + "\n", encoding="utf-8")
    with gzip.open(ws / "logs" / "b.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(rows[half:]) + "\n")
    (ws / "logs" / "c.csv").write_text("\n".join(csv_rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("windows")
    _logs(ws)
    return ws


def test_one_pass_equals_three_reads_including_p95_per_window(workspace: Path) -> None:
    policy = Policy.model_validate({"server": {"logs": ["logs/*"]}})
    period = month_period("2026-11", "UTC", NOW)
    previous = previous_period(period)
    windows = [
        (BudgetPolicy(window=(period.as_of - period.start).total_seconds()), period.as_of),
        (policy.budget, period.as_of),
        (BudgetPolicy(window=(previous.end - previous.start).total_seconds()), previous.end),
    ]
    one_pass = collect_server_windows(policy.server, windows, workspace)
    separate = [collect_server_logs(policy.server, b, workspace, now) for b, now in windows]
    assert one_pass == separate
    p95s = [
        {name: m.latency[name].digest.percentile_us(0.95) for name in ("local", "remote")}
        for m in one_pass
    ]
    assert p95s == [
        {name: m.latency[name].digest.percentile_us(0.95) for name in ("local", "remote")}
        for m in separate
    ]
    # the windows really differ: different requests, so in general different P95s
    assert len({m.requests for m in one_pass}) == 3
    assert all(m.requests and m.latency["local"].digest.n for m in one_pass)
    assert any(p.code == "server-logs-bad-lines" for p in one_pass[0].problems)
    assert any(p.code == "server-logs-future" for p in one_pass[2].problems)


def test_the_report_reads_the_logs_once_for_its_three_windows(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slo_gate.collectors import log_lines
    from slo_gate.commands import report

    policy = Policy.model_validate({"server": {"logs": ["logs/*"]}})
    period = month_period("2026-11", "UTC", NOW)
    previous = previous_period(period)
    opened: list[str] = []
    real_open = log_lines.open_log

    def counting_open(path: Path):  # type: ignore[no-untyped-def]
        opened.append(path.name)
        return real_open(path)

    monkeypatch.setattr("slo_gate.collectors.server_logs.open_log", counting_open)
    server, _problems = report.read_server(policy, workspace, period, previous)
    assert sorted(opened) == ["a.jsonl", "b.jsonl.gz", "c.csv"]
    monkeypatch.undo()

    def alone(start: datetime, end: datetime) -> object:
        window = BudgetPolicy(window=(end - start).total_seconds())
        return collect_server_logs(policy.server, window, workspace, end)

    assert server.period == alone(period.start, period.as_of)
    assert server.budget == collect_server_logs(
        policy.server, policy.budget, workspace, period.as_of
    )
    assert server.previous == alone(previous.start, previous.end)


def test_no_window_reads_nothing_and_one_window_is_the_plain_read(workspace: Path) -> None:
    policy = ServerPolicy(logs=["logs/*"])
    assert collect_server_windows(policy, [], workspace) == []
    (single,) = collect_server_windows(policy, [(BudgetPolicy(), NOW)], workspace)
    assert single == collect_server_logs(policy, BudgetPolicy(), workspace, NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        collect_server_windows(
            policy, [(BudgetPolicy(), NOW), (BudgetPolicy(), NOW.replace(tzinfo=None))], workspace
        )
