"""CI pass rate from workflow-run summaries (DESIGN.md "CI pass rate"). Pure.

Completed runs of the configured workflows on the configured branches count: ``success``
passes; ``failure``, ``timed_out`` and ``startup_failure`` fail; ``cancelled``, ``skipped``,
``neutral`` and ``action_required`` (and any conclusion GitHub adds later) are excluded, and so
are runs that have not completed. Re-runs: the final attempt counts by default, the first on
request; a run whose final attempt passed only after a re-run is reported as flaky.

A run belongs to the window by its ``created_at``: that is what the GitHub listing filters on,
so the engine and the reader agree on which runs a window holds.

The runs come in as ``slo_gate.runs.RunSummary`` (the workflow-run reader builds them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from slo_gate.config.policy import BudgetPolicy, CiPolicy
from slo_gate.engine.budget import compute_budget
from slo_gate.engine.thresholds import lower_status
from slo_gate.engine.window import Span
from slo_gate.events import RatioSeries
from slo_gate.runs import RunSummary
from slo_gate.slos import SloId, spec
from slo_gate.verdict import Budget, Slo, Status

SLO_ID: SloId = "ci-pass-rate"

PASSING = frozenset({"success"})
FAILING = frozenset({"failure", "timed_out", "startup_failure"})
#: excluded on purpose; any other conclusion is excluded as "unknown" and reported
EXCLUDED = frozenset({"cancelled", "skipped", "neutral", "action_required"})

Attempts = Literal["final", "first"]
Outcome = Literal["pass", "fail", "excluded", "in-progress"]


@dataclass(frozen=True)
class Classified:
    outcome: Outcome
    reason: str = ""  # for exclusions: the conclusion, "in progress" or "first attempt unknown"
    flaky: bool = False


def needed_rerun_to_pass(run: RunSummary) -> bool:
    """Final attempt passed, an earlier one did not (or is unknown but a re-run happened)."""
    if run.conclusion not in PASSING or run.run_attempt <= 1:
        return False
    return run.first_attempt_conclusion not in PASSING


def _by_conclusion(conclusion: str | None) -> Classified:
    if conclusion in PASSING:
        return Classified("pass")
    if conclusion in FAILING:
        return Classified("fail")
    return Classified("excluded", conclusion if conclusion in EXCLUDED else f"unknown:{conclusion}")


def classify(run: RunSummary, attempts: Attempts = "final") -> Classified:
    """The outcome of one run under the attempt rule, with the flaky flag."""
    if run.status != "completed":
        return Classified("in-progress", "in progress")
    flaky = needed_rerun_to_pass(run)
    if attempts == "final" or run.run_attempt <= 1:
        result = _by_conclusion(run.conclusion)
    elif run.first_attempt_conclusion is None:
        return Classified("excluded", "first attempt unknown", flaky)
    else:
        result = _by_conclusion(run.first_attempt_conclusion)
    return Classified(result.outcome, result.reason, flaky)


def latest_by_id(runs: Iterable[RunSummary]) -> list[RunSummary]:
    """One summary per run id: the latest attempt (then the latest update) wins."""
    best: dict[int, RunSummary] = {}
    for run in runs:
        old = best.get(run.id)
        if old is None or _newer(run, old):
            best[run.id] = run
    return sorted(best.values(), key=lambda r: (r.created_at, r.id))


def _newer(a: RunSummary, b: RunSummary) -> bool:
    if a.run_attempt != b.run_attempt:
        return a.run_attempt > b.run_attempt
    if a.status != b.status:
        return a.status == "completed"
    return (a.updated_at or a.created_at) >= (b.updated_at or b.created_at)


@dataclass(frozen=True)
class CiPassRate:
    """The counts behind the CI pass rate of one window."""

    passed: int = 0
    failed: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    in_progress: int = 0
    flaky: tuple[int, ...] = ()
    window_s: float = 7 * 86400.0
    attempts: Attempts = "final"

    @property
    def n(self) -> int:
        return self.passed + self.failed

    @property
    def rate(self) -> float | None:
        """passed / (passed + failed); ``None`` without a counted run (never a fake 100 %)."""
        return None if self.n == 0 else self.passed / self.n


def _in_window(run: RunSummary, start: datetime, now: datetime) -> bool:
    return start < run.created_at <= now


def _selected(run: RunSummary, branches: Sequence[str]) -> bool:
    return not branches or run.head_branch in branches


def pass_rate(
    runs: Iterable[RunSummary],
    *,
    now: datetime,
    window_s: float,
    attempts: Attempts = "final",
    branches: Sequence[str] = (),
) -> CiPassRate:
    """Count passes, failures, exclusions and flaky runs created in ``(now - window, now]``."""
    start = now - timedelta(seconds=window_s)
    passed = failed = in_progress = 0
    excluded: dict[str, int] = {}
    flaky: list[int] = []
    for run in latest_by_id(runs):
        if not _in_window(run, start, now) or not _selected(run, branches):
            continue
        c = classify(run, attempts)
        if c.flaky:
            flaky.append(run.id)
        if c.outcome == "pass":
            passed += 1
        elif c.outcome == "fail":
            failed += 1
        elif c.outcome == "in-progress":
            in_progress += 1
        else:
            excluded[c.reason] = excluded.get(c.reason, 0) + 1
    return CiPassRate(
        passed,
        failed,
        dict(sorted(excluded.items())),
        in_progress,
        tuple(flaky),
        window_s,
        attempts,
    )


def pass_events(
    runs: Iterable[RunSummary],
    *,
    now: datetime,
    window_s: float,
    attempts: Attempts = "final",
    branches: Sequence[str] = (),
) -> list[tuple[datetime, bool]]:
    """Good/bad events (created time, passed) of counted runs, oldest first, for budgets."""
    start = now - timedelta(seconds=window_s)
    events: list[tuple[datetime, bool]] = []
    for run in latest_by_id(runs):
        if not _in_window(run, start, now) or not _selected(run, branches):
            continue
        c = classify(run, attempts)
        if c.outcome in ("pass", "fail"):
            events.append((run.created_at, c.outcome == "pass"))
    return events


def event_series(events: Iterable[tuple[datetime, bool]], now: datetime) -> RatioSeries:
    """One-minute buckets aligned to ``now`` (as ``slo_gate.events`` asks of collectors)."""
    now_s = math.floor(now.timestamp())
    counts: dict[int, tuple[int, int]] = {}
    for at, good in events:
        t = math.floor(at.timestamp())
        start = t - ((t - now_s) % 60)
        g, v = counts.get(start, (0, 0))
        counts[start] = (g + int(good), v + 1)
    return RatioSeries.from_counts(counts, 60)


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def describe(result: CiPassRate) -> str:
    """One line a person can check by hand: counts, exclusions, flaky run ids."""
    parts = [f"{result.passed:,} of {result.n:,} counted runs passed ({result.failed:,} failed)"]
    if result.excluded:
        parts.append("excluded: " + ", ".join(f"{c} {k}" for k, c in result.excluded.items()))
    if result.in_progress:
        parts.append(f"{result.in_progress} in progress")
    if result.flaky:
        ids = ", ".join(str(i) for i in result.flaky[:10])
        more = f" and {len(result.flaky) - 10} more" if len(result.flaky) > 10 else ""
        parts.append(f"{len(result.flaky)} flaky (passed after a re-run): runs {ids}{more}")
    parts.append(f"{result.attempts} attempts")
    return "; ".join(parts)


def ci_slo(
    runs: Sequence[RunSummary],
    policy: CiPolicy,
    budget_policy: BudgetPolicy,
    span: Span,
    *,
    with_budget: bool = True,
) -> tuple[Slo, CiPassRate]:
    """The ``ci-pass-rate`` SLO (percent) over ``span``, with its budget at the span's end.

    The gate passes the pass-rate window ending now (7 days by default); the report its period.
    """
    result = pass_rate(
        runs,
        now=span.end,
        window_s=span.seconds,
        attempts=policy.attempts,
        branches=policy.branches,
    )
    status: Status = lower_status(
        _pct(result.rate), _pct(policy.pass_rate.warning), _pct(policy.pass_rate.critical)
    )
    detail = describe(result)
    if result.n == 0:
        status, detail = "no-data", f"no completed run counted in the window; {detail}"
    elif result.n < budget_policy.min_events:
        status = "no-data"
        detail = f"insufficient data: {result.n} < {budget_policy.min_events} runs; {detail}"
    budget = None
    if policy.pass_rate.critical is not None and with_budget:
        budget = ci_budget(runs, policy, budget_policy, span.end)
    slo = Slo(
        id=SLO_ID,
        title=spec(SLO_ID).title,
        status=status,
        value=_pct(result.rate),
        unit="%",
        target=_pct(policy.pass_rate.critical),
        warning=_pct(policy.pass_rate.warning),
        comparison=">=",
        samples=result.n,
        window=span.label,
        budget=budget,
        detail=detail,
    )
    return slo, result


def ci_budget(
    runs: Sequence[RunSummary], policy: CiPolicy, budget_policy: BudgetPolicy, now: datetime
) -> Budget | None:
    """The pass rate's error budget over the budget window ending at ``now``."""
    if policy.pass_rate.critical is None:
        return None
    return compute_budget(
        ci_series(runs, policy, budget_policy, now),
        policy.pass_rate.critical,
        budget_policy,
        math.floor(now.timestamp()),
    )


def ci_series(
    runs: Sequence[RunSummary], policy: CiPolicy, budget_policy: BudgetPolicy, now: datetime
) -> RatioSeries:
    """Counted runs of the budget window ending at ``now`` as good/bad events."""
    events = pass_events(
        runs,
        now=now,
        window_s=budget_policy.window,
        attempts=policy.attempts,
        branches=policy.branches,
    )
    return event_series(events, now)
