"""The gate and the report compute every SLO with the same engine: same data, same answers.

``slo-gate check --now T`` and ``slo-gate report --window 30d --now T`` must agree on each SLO
whose window is the same in both (30 days), and on every error budget (both at ``T`` over the
policy's budget window).
"""

from __future__ import annotations

import io
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slo_gate.cli import main
from slo_gate.config.policy import CiPolicy, Policy, RatioThresholds
from slo_gate.engine.evaluate import EngineInput, evaluate
from slo_gate.measurements import Measurements, TestCounts, TestReport, VisualCounts
from slo_gate.records import Record, TestRecord
from slo_gate.report.build import ReportInput, build_report
from slo_gate.report.periods import window_period
from slo_gate.runs import RunSummary

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SERVER_SLOS = ("mcp-availability", "mcp-latency-local", "mcp-latency-remote")


def _run(argv: list[str]) -> None:
    out = io.StringIO()
    code = main(argv, env={}, out=out, err=io.StringIO(), clock=lambda: NOW)
    assert code == 0, out.getvalue()


def _budget_numbers(budget: dict[str, Any] | None) -> tuple[Any, ...] | None:
    if budget is None:
        return None
    alerts = tuple(a["name"] for a in budget["alerts"])
    return budget["consumed"], budget["bad"], budget["valid"], budget["burn_rate"], alerts


def test_check_and_report_agree_on_the_example_server_slos(tmp_path: Path) -> None:
    common = ["--config", str(ROOT / "examples/slo-gate.yml"), "--workspace", str(ROOT)]
    common += ["--now", "2026-11-01T00:00:00Z", "--history", str(tmp_path / "h.jsonl")]
    _run(["check", *common, "--no-record", "--json", str(tmp_path / "verdict.json")])
    _run(["report", *common, "--window", "30d", "--offline", "--json", str(tmp_path / "r.json")])
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    report = json.loads((tmp_path / "r.json").read_text())
    gate = {s["id"]: s for s in verdict["slos"]}
    rows = {s["id"]: s for s in report["performance"]["slos"]}
    budgets = {b["slo_id"]: b["budget"] for b in report["budgets"]}
    for slo_id in SERVER_SLOS:
        assert gate[slo_id]["window"] == "30d"
        assert gate[slo_id]["value"] is not None
        assert rows[slo_id]["value"] == gate[slo_id]["value"], slo_id
        assert (rows[slo_id]["status"], rows[slo_id]["samples"]) == (
            gate[slo_id]["status"],
            gate[slo_id]["samples"],
        )
        assert _budget_numbers(budgets[slo_id]) == _budget_numbers(gate[slo_id]["budget"])
    # the example pauses releases, and both say so from the same budget
    assert verdict["release"]["state"] == "paused"
    assert {a["slo_id"] for a in report["alerts"] if a["name"] == "pause"} == {"mcp-availability"}


def _records() -> list[Record]:
    out = []
    for day in range(45):
        at = NOW - timedelta(days=day, hours=3)
        failed = 3 if day % 9 == 0 else 0
        visual = VisualCounts(total=40, passed=40 - failed, failed=failed)
        out.append(
            Record(
                recorded_at=at,
                commit=f"c{day}",
                branch="main",
                run_id=str(1000 + day),
                build_time_s=200.0 + 7 * (day % 17),
                tests=TestRecord(counts=TestCounts(total=40, passed=40), visual=visual),
            )
        )
    return out


def _runs() -> list[RunSummary]:
    return [
        RunSummary(
            id=i,
            workflow="ci.yml",
            head_branch="main",
            conclusion="failure" if i % 11 == 0 else "success",
            created_at=NOW - timedelta(hours=7 * i + 1),
        )
        for i in range(1, 130)
    ]


@pytest.mark.parametrize("slo_id", ["widget-build-time", "ci-pass-rate", "visual-pass-rate"])
def test_check_and_report_agree_on_history_slos(slo_id: str) -> None:
    thirty = RatioThresholds(warning=0.97, critical=0.95, window=30 * 86400)
    policy = Policy(ci=CiPolicy(workflows=["ci.yml"], pass_rate=thirty))
    records, runs = _records(), _runs()
    tests = TestReport(counts=TestCounts(total=1, passed=1))  # this run: no visual test ran
    verdict = evaluate(
        EngineInput(
            measurements=Measurements(tests=tests),
            policy=policy,
            now=NOW,
            history=records,
            ci_runs=runs,
            build_time_configured=True,
        )
    )
    report = build_report(
        ReportInput(
            policy=policy,
            period=window_period(30 * 86400, "UTC", NOW),
            now=NOW,
            records=records,
            ci_runs=runs,
        )
    )
    gate = verdict.slo_map[slo_id]  # type: ignore[index]
    budget = next(b for b in report.budgets if b.slo_id == slo_id)
    assert gate.budget is not None and budget.budget is not None
    assert budget.budget.model_dump() == gate.budget.model_dump()
    row = next(s for s in report.performance.slos if s.id == slo_id)
    if slo_id == "ci-pass-rate":
        assert (row.value, row.status, row.samples) == (gate.value, gate.status, gate.samples)
    if slo_id == "widget-build-time":
        assert row.value == gate.value == 305.0
        # the gate judges this change (a slow history only warns); the report judges the span
        assert (gate.status, row.status) == ("warn", "fail")


def test_the_burn_down_ends_at_the_budget_left(tmp_path: Path) -> None:
    common = ["--config", str(ROOT / "examples/slo-gate.yml"), "--workspace", str(ROOT)]
    common += ["--now", "2026-11-01T00:00:00Z", "--history", str(tmp_path / "h.jsonl")]
    _run(["report", *common, "--window", "30d", "--offline", "--json", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())
    drawn = [b for b in report["budgets"] if b["daily_remaining"]]
    assert {b["slo_id"] for b in drawn} >= {"mcp-availability", "mcp-latency-local"}
    for b in drawn:
        values = [p["value"] for p in b["daily_remaining"]]
        assert len(values) == 30
        assert values[-1] == pytest.approx(b["budget"]["remaining"] * 100)
        assert all(a >= c for a, c in itertools.pairwise(values))  # never refills
        assert 0 <= values[-1] <= values[0] <= 100
