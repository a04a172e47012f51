"""The tests and visual-pass-rate SLOs, with hand-computed expectations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_gate.config.policy import TestsPolicy
from slo_gate.engine import tests as engine
from slo_gate.engine.tests import evaluate_tests, record_tests, visual_history, window_rate
from slo_gate.measurements import TestCounts, TestFailure, TestReport, VisualCounts
from slo_gate.records import Record, TestRecord

NOW = datetime(2026, 1, 31, 12, tzinfo=UTC)


def report(
    counts: TestCounts, visual: VisualCounts | None = None, files: tuple[str, ...] = ("r.xml",)
) -> TestReport:
    return TestReport(counts=counts, visual=visual or VisualCounts(), files=files)


@pytest.mark.parametrize(
    ("counts", "fail_on", "status", "value"),
    [
        (TestCounts(total=10, passed=10), True, "pass", 0.0),
        (TestCounts(total=10, passed=9, failed=1), True, "fail", 1.0),
        (TestCounts(total=10, passed=9, errored=1), True, "fail", 1.0),
        (TestCounts(total=10, passed=9, failed=1), False, "warn", 1.0),
        (TestCounts(total=10, passed=10, flaky=2), True, "warn", 0.0),
        (TestCounts(total=3, passed=0, skipped=3), True, "pass", 0.0),
    ],
)
def test_tests_slo(counts: TestCounts, fail_on: bool, status: str, value: float) -> None:
    policy = TestsPolicy(fail_on_failures=fail_on)
    slo = evaluate_tests(report(counts), policy, [], NOW)[0]
    assert (slo.id, slo.status, slo.value, slo.samples) == ("tests", status, value, counts.total)


def test_no_tests_is_no_data_never_a_pass() -> None:
    slo = evaluate_tests(report(TestCounts(), files=()), TestsPolicy(), [], NOW)[0]
    assert (slo.status, slo.value) == ("no-data", None)
    assert "no test report" in slo.detail
    slo = evaluate_tests(report(TestCounts()), TestsPolicy(), [], NOW)[0]
    assert "1 report file read, no test found" in slo.detail


@pytest.mark.parametrize(
    ("passed", "failed", "status"),
    [
        (97, 3, "pass"),  # exactly 97 %: not below the warning line
        (96, 4, "warn"),
        (95, 5, "warn"),  # exactly 95 %: not below critical
        (94, 6, "fail"),
    ],
)
def test_visual_rate_this_run_against_97_and_95(passed: int, failed: int, status: str) -> None:
    visual = VisualCounts(total=passed + failed + 2, passed=passed, failed=failed, skipped=2)
    slo = evaluate_tests(report(TestCounts(total=1, passed=1), visual), TestsPolicy(), [], NOW)[1]
    assert slo.id == "visual-pass-rate"
    assert slo.status == status
    assert slo.value == pytest.approx(passed)
    assert (slo.target, slo.warning, slo.unit, slo.comparison) == (95.0, 97.0, "%", ">=")
    assert slo.samples == passed + failed


def test_visual_no_data_when_none_ran() -> None:
    slo = evaluate_tests(
        report(TestCounts(total=1, passed=1), VisualCounts(total=2, skipped=2)),
        TestsPolicy(),
        [],
        NOW,
    )[1]
    assert (slo.status, slo.value) == ("no-data", None)
    assert "every visual test was skipped" in slo.detail


def test_thirty_day_rate_pools_history_in_the_window_and_this_run() -> None:
    history = [
        (NOW - timedelta(days=31), VisualCounts(total=100, passed=0, failed=100)),  # outside
        (NOW - timedelta(days=29), VisualCounts(total=50, passed=48, failed=2)),
        (NOW - timedelta(days=1), VisualCounts(total=50, passed=45, failed=5)),
        (NOW + timedelta(days=1), VisualCounts(total=9, passed=0, failed=9)),  # future: ignored
    ]
    current = VisualCounts(total=20, passed=19, failed=1)
    pooled = window_rate(history, current, NOW, 30 * 86400)
    assert (pooled.runs, pooled.passed, pooled.executed) == (3, 112, 120)
    slo = evaluate_tests(
        report(TestCounts(total=1, passed=1), current), TestsPolicy(), history, NOW
    )[1]
    assert slo.status == "warn"  # this run: 19/20 = 95 %, below the 97 % warning line
    assert "30d: 93.33% (112 of 120 visual tests passed over 3 runs" in slo.detail


def test_thirty_day_rate_flags_insufficient_data() -> None:
    current = VisualCounts(total=5, passed=5)
    slo = evaluate_tests(report(TestCounts(total=5, passed=5), current), TestsPolicy(), [], NOW)[1]
    assert "insufficient data (fewer than 20)" in slo.detail


def test_records_round_trip_into_visual_history() -> None:
    r = report(TestCounts(total=4, passed=3, failed=1), VisualCounts(total=2, passed=1, failed=1))
    rec = Record(recorded_at=NOW, tests=record_tests(r))
    again = Record.model_validate_json(rec.model_dump_json())
    assert visual_history([again, Record(recorded_at=NOW)]) == [(NOW, r.visual)]
    assert again.tests == TestRecord(counts=r.counts, visual=r.visual)


def test_tests_out_is_the_contract_section() -> None:
    failure = TestFailure(key="s::c::n", message="boom", file="a.py", line=3)
    r = TestReport(
        counts=TestCounts(total=3, passed=2, failed=1, flaky=1),
        by_project={"chromium": TestCounts(total=3, passed=2, failed=1, flaky=1)},
        visual=VisualCounts(total=2, passed=1, failed=1, flaky=1),
        failures=(failure,),
    )
    out = engine.tests_out(r).model_dump(mode="json")
    assert out["total"] == 3 and out["flaky"] == 1
    assert out["visual"] == {
        "total": 2,
        "passed": 1,
        "failed": 1,
        "flaky": 1,
        "skipped": 0,
        "pass_rate": 0.5,
    }
    assert out["failures"][0]["key"] == "s::c::n"
    assert out["by_project"]["chromium"]["failed"] == 1
