"""Widget build time: this run against the limits, and P95 over the window. Pure.

DESIGN.md: "P95 build time ≤ 5 min" is measured as "≥ 95 % of builds within 5 min" (a ratio
SLO with a 5 % budget) and the actual nearest-rank P95 is reported beside it, with its n.
The SLO's status is about *this change*: this run's build time over the critical limit fails
the gate (a hard limit, see ``engine.evaluate.HARD_LIMITS``). History alone can at most warn:
a slow month is the budget's business (pause), not a reason to fail an unrelated pull request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slo_gate.config.policy import BudgetPolicy, BuildTimePolicy
from slo_gate.config.units import format_duration
from slo_gate.engine.budget import compute_budget
from slo_gate.engine.ci import event_series
from slo_gate.engine.percentiles import nearest_rank
from slo_gate.engine.thresholds import upper_status
from slo_gate.engine.window import Span
from slo_gate.events import RatioSeries
from slo_gate.runs import BuildSample
from slo_gate.slos import SloId, spec
from slo_gate.verdict import Budget, HistoryStat, Slo, Status, worst_status

SLO_ID: SloId = "widget-build-time"
#: "≥ 95 % of builds within the critical limit" (DESIGN.md)
WITHIN_TARGET = 0.95
P95 = 0.95


@dataclass(frozen=True)
class BuildTimeStats:
    this_run_s: float | None
    p95_s: float | None
    n: int
    within: int
    limit_s: float | None
    window_s: float
    median_s: float | None = None
    max_s: float | None = None

    @property
    def share_within(self) -> float | None:
        """Builds at or under the critical limit over all builds of the window."""
        return None if self.n == 0 or self.limit_s is None else self.within / self.n


def samples_in_window(
    history: Iterable[BuildSample],
    this_run: BuildSample | None,
    now: datetime,
    window_s: float,
) -> list[BuildSample]:
    """History of ``(now - window, now]`` plus this run, each run once (this run wins)."""
    start = now - timedelta(seconds=window_s)
    chosen: dict[object, BuildSample] = {}
    for i, s in enumerate(history):
        if start < s.at <= now and math.isfinite(s.seconds) and s.seconds >= 0:
            chosen[s.run_id if s.run_id is not None else ("anon", i)] = s
    if this_run is not None:
        chosen[this_run.run_id if this_run.run_id is not None else "this"] = this_run
    return sorted(chosen.values(), key=lambda s: s.at)


def build_time_stats(
    history: Sequence[BuildSample],
    this_run: BuildSample | None,
    span: Span,
    policy: BuildTimePolicy,
) -> BuildTimeStats:
    samples = samples_in_window(history, this_run, span.end, span.seconds)
    values = [s.seconds for s in samples]
    limit = policy.p95.critical
    within = sum(1 for v in values if limit is not None and v <= limit)
    return BuildTimeStats(
        this_run_s=None if this_run is None else this_run.seconds,
        p95_s=nearest_rank(values, P95),
        n=len(values),
        within=within,
        limit_s=limit,
        window_s=span.seconds,
        median_s=nearest_rank(values, 0.5),
        max_s=max(values, default=None),
    )


def _status(stats: BuildTimeStats, policy: BuildTimePolicy, history_can_fail: bool) -> Status:
    warning, critical = policy.p95.warning, policy.p95.critical
    history_status = upper_status(stats.p95_s, warning, critical)
    if history_status == "fail" and not history_can_fail:
        history_status = "warn"
    if stats.this_run_s is None:
        return history_status
    this_status = upper_status(stats.this_run_s, warning, critical)
    return worst_status([this_status, history_status if stats.n else "pass"])


def _fmt(seconds: float | None) -> str:
    return "unknown" if seconds is None else format_duration(round(seconds, 3))


def describe(stats: BuildTimeStats, label: str) -> str:
    text = f"this run {_fmt(stats.this_run_s)}" if stats.this_run_s is not None else ""
    if stats.n:
        text += (
            f"{'; ' if text else ''}P95 {_fmt(stats.p95_s)} over {label} (n={stats.n}, "
            "nearest rank)"
        )
        if stats.share_within is not None and stats.limit_s is not None:
            text += (
                f"; {stats.within:,} of {stats.n:,} builds ({stats.share_within * 100:.1f} %) "
                f"within {_fmt(stats.limit_s)}"
            )
    else:
        text += f"{'; ' if text else ''}no build in {label}"
    return text


def build_time_budget(
    history: Sequence[BuildSample],
    this_run: BuildSample | None,
    now: datetime,
    policy: BuildTimePolicy,
    budget_policy: BudgetPolicy,
) -> Budget | None:
    """ "≥ 95 % of builds within the critical limit" over the budget window ending at ``now``."""
    limit = policy.p95.critical
    if limit is None:
        return None
    series = build_series(history, this_run, now, limit, budget_policy.window)
    return compute_budget(series, WITHIN_TARGET, budget_policy, math.floor(now.timestamp()))


def build_series(
    history: Sequence[BuildSample],
    this_run: BuildSample | None,
    now: datetime,
    limit_s: float,
    window_s: float,
) -> RatioSeries:
    """Builds of the window ending at ``now`` as events: good when within ``limit_s``."""
    samples = samples_in_window(history, this_run, now, window_s)
    return event_series([(s.at, s.seconds <= limit_s) for s in samples], now)


def build_time_slo(
    history: Sequence[BuildSample],
    this_run: BuildSample | None,
    span: Span,
    policy: BuildTimePolicy,
    budget_policy: BudgetPolicy,
    *,
    with_budget: bool = True,
    history_can_fail: bool = False,
) -> tuple[Slo, BuildTimeStats]:
    """The ``widget-build-time`` SLO in seconds, with P95 over ``span`` and the budget.

    The gate judges this change: a slow history can only warn. The report judges the span
    (``history_can_fail=True``): a P95 over the limit fails it.
    """
    stats = build_time_stats(history, this_run, span, policy)
    status = _status(stats, policy, history_can_fail)
    if this_run is None and stats.n == 0:
        status = "no-data"
    budget = None
    if with_budget:
        budget = build_time_budget(history, this_run, span.end, policy, budget_policy)
    slo = Slo(
        id=SLO_ID,
        title=spec(SLO_ID).title,
        status=status,
        value=stats.this_run_s if stats.this_run_s is not None else stats.p95_s,
        unit="s",
        target=policy.p95.critical,
        warning=policy.p95.warning,
        comparison="<=",
        samples=1 if stats.this_run_s is not None else stats.n,
        window="this run" if stats.this_run_s is not None else span.label,
        budget=budget,
        history=HistoryStat(
            percentile=P95, value=stats.p95_s, samples=stats.n, window_s=span.seconds
        ),
        detail=describe(stats, span.label),
    )
    return slo, stats
