"""The test SLOs: ``tests`` (this run) and ``visual-pass-rate`` (this run, plus 30 days).

Pure: the report, the policy, the past visual results and "now" come in as arguments.

- ``tests`` fails when a non-flaky test failed or errored and ``fail_on_failures`` is on (it
  warns when that is off), warns on flaky tests, passes otherwise, and has no data when no test
  was found (never a silent pass).
- ``visual-pass-rate`` compares this run's visual pass rate (passed, flaky passes included,
  over executed visual tests) with the policy's 97 % warning / 95 % critical. The rolling
  rate over the policy window (30 days) pools the recorded runs and this one; it is reported
  in ``detail`` and in the ``window_rate`` helper for renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slo_gate.config.policy import TestsPolicy
from slo_gate.engine.thresholds import lower_status
from slo_gate.measurements import TestCounts, TestReport, VisualCounts
from slo_gate.records import Record, TestRecord
from slo_gate.verdict import Slo, Status, TestsOut, VisualOut

TESTS_SLO = "tests"
VISUAL_SLO = "visual-pass-rate"


@dataclass(frozen=True)
class WindowRate:
    """Visual results pooled over a rolling window: runs, executed tests and the rate."""

    runs: int
    passed: int
    executed: int
    window_s: float

    @property
    def rate(self) -> float | None:
        return None if self.executed == 0 else self.passed / self.executed


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _days(seconds: float) -> str:
    days = seconds / 86400
    return f"{days:g}d" if days >= 1 else f"{seconds:g}s"


def window_rate(
    history: Sequence[tuple[datetime, VisualCounts]],
    current: VisualCounts | None,
    now: datetime,
    window_s: float,
) -> WindowRate:
    """Pool the visual results recorded in ``(now - window, now]`` and this run's."""
    start = now - timedelta(seconds=window_s)
    runs = passed = executed = 0
    for when, counts in history:
        if start < when <= now and counts.passed + counts.failed > 0:
            runs += 1
            passed += counts.passed
            executed += counts.passed + counts.failed
    if current is not None and current.passed + current.failed > 0:
        runs += 1
        passed += current.passed
        executed += current.passed + current.failed
    return WindowRate(runs=runs, passed=passed, executed=executed, window_s=window_s)


def _describe(counts: TestCounts) -> str:
    return (
        f"{counts.total} tests: {counts.passed} passed ({counts.flaky} flaky), "
        f"{counts.failed} failed, {counts.errored} errored, {counts.skipped} skipped"
    )


def tests_slo(report: TestReport, policy: TestsPolicy) -> Slo:
    """This run's test outcome as the ``tests`` SLO (value = failing tests, target 0)."""
    counts = report.counts
    bad = counts.failed + counts.errored
    status: Status
    if counts.total == 0:
        files = len(report.files)
        why = f"{files} report file(s) read, no test found" if files else "no test report"
        return Slo(
            id=TESTS_SLO,
            title="Tests",
            status="no-data",
            value=None,
            unit="failing tests",
            target=0,
            comparison="<=",
            samples=0,
            detail=f"no data: {why}",
        )
    if bad and policy.fail_on_failures:
        status = "fail"
    elif bad or counts.flaky:
        status = "warn"
    else:
        status = "pass"
    detail = _describe(counts)
    if bad and not policy.fail_on_failures:
        detail += "; failures warn only (tests.fail_on_failures is off)"
    elif counts.flaky and not bad:
        detail += "; flaky tests passed on a retry"
    return Slo(
        id=TESTS_SLO,
        title="Tests",
        status=status,
        value=float(bad),
        unit="failing tests",
        target=0,
        comparison="<=",
        samples=counts.total,
        detail=detail,
    )


def visual_slo(
    report: TestReport,
    policy: TestsPolicy,
    history_visual: Sequence[tuple[datetime, VisualCounts]],
    now: datetime,
    *,
    min_events: int = 20,
) -> Slo:
    """This run's visual pass rate against warning/critical, with the rolling-window rate."""
    thresholds = policy.visual_pass_rate
    visual = report.visual
    rate = visual.pass_rate
    executed = visual.passed + visual.failed
    pooled = window_rate(history_visual, visual, now, thresholds.window)
    window = _days(thresholds.window)
    if pooled.rate is None:
        rolling = f"{window}: no visual test recorded"
    else:
        rolling = (
            f"{window}: {pooled.rate * 100:.2f}% ({pooled.passed} of {pooled.executed} visual "
            f"tests passed over {pooled.runs} run(s), this one included)"
        )
        if pooled.executed < min_events:
            rolling += f"; insufficient data (fewer than {min_events})"
    if rate is None:
        why = "no visual test ran" if visual.total == 0 else "every visual test was skipped"
        detail = f"no data this run: {why}; {rolling}"
    else:
        detail = (
            f"this run: {visual.passed} of {executed} visual tests passed "
            f"({visual.flaky} flaky, {visual.skipped} skipped); {rolling}"
        )
    return Slo(
        id=VISUAL_SLO,
        title="Visual test pass rate",
        status=lower_status(rate, thresholds.warning, thresholds.critical),
        value=_pct(rate),
        unit="%",
        target=_pct(thresholds.critical),
        warning=_pct(thresholds.warning),
        comparison=">=",
        samples=executed,
        window="this run",
        detail=detail,
    )


def evaluate_tests(
    report: TestReport,
    policy: TestsPolicy,
    history_visual: Sequence[tuple[datetime, VisualCounts]],
    now: datetime,
    *,
    min_events: int = 20,
) -> list[Slo]:
    """The ``tests`` and ``visual-pass-rate`` SLOs of one run."""
    return [
        tests_slo(report, policy),
        visual_slo(report, policy, history_visual, now, min_events=min_events),
    ]


def visual_history(records: Sequence[Record]) -> list[tuple[datetime, VisualCounts]]:
    """The visual results of past records, for ``evaluate_tests``."""
    return [(r.recorded_at, r.tests.visual) for r in records if r.tests is not None]


def record_tests(report: TestReport) -> TestRecord:
    """What this run leaves in the history store for the 30-day visual rate."""
    return TestRecord(counts=report.counts, visual=report.visual)


def tests_out(report: TestReport) -> TestsOut:
    """The verdict's ``tests`` section (DESIGN.md "Contracts")."""
    counts = report.counts
    visual = report.visual
    return TestsOut(
        total=counts.total,
        passed=counts.passed,
        failed=counts.failed,
        errored=counts.errored,
        skipped=counts.skipped,
        flaky=counts.flaky,
        by_project=dict(report.by_project),
        visual=VisualOut(
            total=visual.total,
            passed=visual.passed,
            failed=visual.failed,
            flaky=visual.flaky,
            skipped=visual.skipped,
            pass_rate=visual.pass_rate,
        ),
        failures=list(report.failures),
    )
