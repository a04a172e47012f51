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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slo_gate.config.policy import BudgetPolicy, TestsPolicy
from slo_gate.engine.budget import compute_budget
from slo_gate.engine.thresholds import lower_status
from slo_gate.engine.window import Span, window_label
from slo_gate.events import RatioSeries
from slo_gate.formatting import counted
from slo_gate.measurements import TestCounts, TestReport, VisualCounts
from slo_gate.records import Record, TestRecord
from slo_gate.slos import SloId, spec
from slo_gate.verdict import Budget, Slo, Status, TestsOut, VisualOut

TESTS_SLO: SloId = "tests"
VISUAL_SLO: SloId = "visual-pass-rate"


@dataclass(frozen=True)
class WindowRate:
    """Visual results pooled over a rolling window: runs, executed tests and the rate."""

    runs: int
    passed: int
    executed: int
    window_s: float
    flaky: int = 0

    @property
    def failed(self) -> int:
        return self.executed - self.passed

    @property
    def rate(self) -> float | None:
        return None if self.executed == 0 else self.passed / self.executed


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def window_rate(
    history: Sequence[tuple[datetime, VisualCounts]],
    current: VisualCounts | None,
    now: datetime,
    window_s: float,
) -> WindowRate:
    """Pool the visual results recorded in ``(now - window, now]`` and this run's."""
    start = now - timedelta(seconds=window_s)
    counted = [c for when, c in history if start < _utc(when) <= now]
    if current is not None:
        counted.append(current)
    counted = [c for c in counted if c.passed + c.failed > 0]
    return WindowRate(
        runs=len(counted),
        passed=sum(c.passed for c in counted),
        executed=sum(c.passed + c.failed for c in counted),
        window_s=window_s,
        flaky=sum(c.flaky for c in counted),
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def visual_budget(
    history: Sequence[tuple[datetime, VisualCounts]],
    current: tuple[datetime, VisualCounts] | None,
    target: float | None,
    budget_policy: BudgetPolicy,
    now: datetime,
) -> Budget | None:
    """The visual pass rate's error budget: executed visual tests over the budget window."""
    if target is None:
        return None
    series = visual_series(history, current, budget_policy, now)
    return compute_budget(series, target, budget_policy, math.floor(now.timestamp()))


def visual_series(
    history: Sequence[tuple[datetime, VisualCounts]],
    current: tuple[datetime, VisualCounts] | None,
    budget_policy: BudgetPolicy,
    now: datetime,
) -> RatioSeries:
    """Executed visual tests of the budget window ending at ``now`` as good/valid events."""
    runs = [*history, *([current] if current is not None else [])]
    events = [
        (_utc(when).timestamp(), c.passed, c.passed + c.failed)
        for when, c in runs
        if c.passed + c.failed > 0
    ]
    end_s = math.floor(now.timestamp())
    start_s = end_s - math.floor(budget_policy.window)
    return RatioSeries.from_events([e for e in events if start_s < e[0] <= end_s], end_s)


def visual_window_slo(
    history: Sequence[tuple[datetime, VisualCounts]],
    policy: TestsPolicy,
    span: Span,
    *,
    min_events: int,
) -> tuple[Slo, WindowRate]:
    """``visual-pass-rate`` pooled over the runs recorded in ``span`` (the report's view)."""
    thresholds = policy.visual_pass_rate
    pooled = window_rate(history, None, span.end, span.seconds)
    n = pooled.executed
    slo_id: SloId = VISUAL_SLO
    base = {"id": slo_id, "title": spec(slo_id).title, "unit": "%", "comparison": ">="}
    if n == 0 or n < min_events:
        why = f"insufficient data: {n} executed visual tests (at least {min_events})"
        if pooled.runs == 0:
            why = f"no run recorded in {span.label} has visual test results"
        slo = Slo.model_validate(
            {
                **base,
                "status": "no-data",
                "value": None,
                "target": None,
                "samples": n,
                "window": span.label,
                "detail": why,
            }
        )
        return slo, pooled
    runs = counted(pooled.runs, "run")
    detail = f"{pooled.passed:,} of {n:,} executed visual tests passed over {runs}"
    if pooled.flaky:
        detail += f"; {pooled.flaky} flaky"
    slo = Slo.model_validate(
        {
            **base,
            "status": lower_status(pooled.rate, thresholds.warning, thresholds.critical),
            "value": _pct(pooled.rate),
            "target": _pct(thresholds.critical),
            "warning": _pct(thresholds.warning),
            "samples": n,
            "window": span.label,
            "detail": detail,
        }
    )
    return slo, pooled


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
        why = f"{counted(files, 'report file')} read, no test found" if files else "no test report"
        return Slo(
            id=TESTS_SLO,
            title=spec(TESTS_SLO).title,
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
        title=spec(TESTS_SLO).title,
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
    budget_policy: BudgetPolicy | None = None,
) -> Slo:
    """This run's visual pass rate against warning/critical, with the rolling-window rate.

    With ``budget_policy`` the SLO carries its error budget (recorded runs and this one).
    """
    thresholds = policy.visual_pass_rate
    visual = report.visual
    rate = visual.pass_rate
    executed = visual.passed + visual.failed
    pooled = window_rate(history_visual, visual, now, thresholds.window)
    window = window_label(thresholds.window)
    if pooled.rate is None:
        rolling = f"{window}: no visual test recorded"
    else:
        rolling = (
            f"{window}: {pooled.rate * 100:.2f}% ({pooled.passed:,} of {pooled.executed:,} visual "
            f"tests passed over {counted(pooled.runs, 'run')}, this one included)"
        )
        if pooled.executed < min_events:
            rolling += f"; insufficient data (fewer than {min_events})"
    if rate is None:
        why = "no visual test ran" if visual.total == 0 else "every visual test was skipped"
        detail = f"no data this run: {why}; {rolling}"
    else:
        detail = (
            f"this run: {visual.passed:,} of {executed:,} visual tests passed "
            f"({visual.flaky} flaky, {visual.skipped} skipped); {rolling}"
        )
    return Slo(
        id=VISUAL_SLO,
        title=spec(VISUAL_SLO).title,
        status=lower_status(rate, thresholds.warning, thresholds.critical),
        value=_pct(rate),
        unit="%",
        target=_pct(thresholds.critical),
        warning=_pct(thresholds.warning),
        comparison=">=",
        samples=executed,
        window="this run",
        budget=(
            visual_budget(history_visual, (now, visual), thresholds.critical, budget_policy, now)
            if budget_policy is not None
            else None
        ),
        detail=detail,
    )


def evaluate_tests(
    report: TestReport,
    policy: TestsPolicy,
    history_visual: Sequence[tuple[datetime, VisualCounts]],
    now: datetime,
    *,
    min_events: int = 20,
    budget_policy: BudgetPolicy | None = None,
) -> list[Slo]:
    """The ``tests`` SLO of one run, and ``visual-pass-rate`` when there are visual tests.

    A project without visual tests (none this run, none recorded, no visual paths in the
    policy) gets no visual row: an absent source leaves no rows.
    """
    slos = [tests_slo(report, policy)]
    has_visual = (
        report.visual.total > 0
        or bool(policy.visual.paths)
        or any(c.total > 0 for _, c in history_visual)
    )
    if has_visual:
        slos.append(
            visual_slo(
                report,
                policy,
                history_visual,
                now,
                min_events=min_events,
                budget_policy=budget_policy,
            )
        )
    return slos


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
