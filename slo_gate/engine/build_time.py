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
from slo_gate.engine.ci import event_series, window_label
from slo_gate.engine.percentiles import nearest_rank
from slo_gate.engine.thresholds import upper_status
from slo_gate.verdict import HistoryStat, Slo, Status, worst_status

SLO_ID = "widget-build-time"
#: "≥ 95 % of builds within the critical limit" (DESIGN.md)
WITHIN_TARGET = 0.95
P95 = 0.95


@dataclass(frozen=True)
class BuildSample:
    """One build's duration, when it ran, and the run it came from (to drop duplicates)."""

    at: datetime
    seconds: float
    run_id: int | None = None


@dataclass(frozen=True)
class BuildTimeStats:
    this_run_s: float | None
    p95_s: float | None
    n: int
    within: int
    limit_s: float | None
    window_s: float

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
    now: datetime,
    policy: BuildTimePolicy,
) -> BuildTimeStats:
    samples = samples_in_window(history, this_run, now, policy.window)
    values = [s.seconds for s in samples]
    limit = policy.p95.critical
    within = sum(1 for v in values if limit is not None and v <= limit)
    return BuildTimeStats(
        this_run_s=None if this_run is None else this_run.seconds,
        p95_s=nearest_rank(values, P95),
        n=len(values),
        within=within,
        limit_s=limit,
        window_s=policy.window,
    )


def _status(stats: BuildTimeStats, policy: BuildTimePolicy) -> Status:
    warning, critical = policy.p95.warning, policy.p95.critical
    history_status = upper_status(stats.p95_s, warning, critical)
    if history_status == "fail":
        history_status = "warn"
    if stats.this_run_s is None:
        return history_status
    this_status = upper_status(stats.this_run_s, warning, critical)
    return worst_status([this_status, history_status if stats.n else "pass"])


def _fmt(seconds: float | None) -> str:
    return "unknown" if seconds is None else format_duration(round(seconds, 3))


def describe(stats: BuildTimeStats) -> str:
    text = f"this run {_fmt(stats.this_run_s)}"
    if stats.n:
        text += (
            f"; P95 {_fmt(stats.p95_s)} over {window_label(stats.window_s)} (n={stats.n}, "
            "nearest rank)"
        )
        if stats.share_within is not None and stats.limit_s is not None:
            text += (
                f"; {stats.within} of {stats.n} builds ({stats.share_within * 100:.1f} %) "
                f"within {_fmt(stats.limit_s)}"
            )
    else:
        text += f"; no build in the last {window_label(stats.window_s)}"
    return text


def build_time_slo(
    history: Sequence[BuildSample],
    this_run: BuildSample | None,
    now: datetime,
    policy: BuildTimePolicy,
    budget_policy: BudgetPolicy,
) -> tuple[Slo, BuildTimeStats]:
    """The ``widget-build-time`` SLO in seconds, with P95 history and the within-limit budget."""
    stats = build_time_stats(history, this_run, now, policy)
    status = _status(stats, policy)
    budget = None
    if policy.p95.critical is not None:
        limit = policy.p95.critical
        samples = samples_in_window(history, this_run, now, budget_policy.window)
        events = [(s.at, s.seconds <= limit) for s in samples]
        budget = compute_budget(
            event_series(events, now), WITHIN_TARGET, budget_policy, math.floor(now.timestamp())
        )
    slo = Slo(
        id=SLO_ID,
        title="Widget build time",
        status=status,
        value=stats.this_run_s if stats.this_run_s is not None else stats.p95_s,
        unit="s",
        target=policy.p95.critical,
        warning=policy.p95.warning,
        comparison="<=",
        samples=1 if stats.this_run_s is not None else stats.n,
        window="this run" if stats.this_run_s is not None else window_label(policy.window),
        budget=budget,
        history=HistoryStat(
            percentile=P95, value=stats.p95_s, samples=stats.n, window_s=policy.window
        ),
        detail=describe(stats),
    )
    return slo, stats
