"""Error budgets and burn rates for any ratio SLO (DESIGN.md "Ratio SLOs and budgets").

Budget B = 1 − target; burn rate over a window = error ratio / B; consumed = bad / (B · valid)
over the policy window; remaining = max(0, 1 − consumed); time to exhaustion = remaining ·
window / recent burn rate. The policy's "50 % burned in 7 days" alert is
bad₇d / (B · valid₃₀d) ≥ 0.5. Multiwindow alerts follow the SRE workbook: a long window shows
the burn is big enough to matter, a short one that it is still going on.

The arithmetic is done in exact fractions of the policy's decimal numbers, so that the
boundaries of SLOS.md hold exactly (99.625 % availability is a pause, 99.5 % a rollback) instead
of falling either side by a rounding error of binary floating point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from slo_gate.config.policy import BudgetPolicy
from slo_gate.config.units import format_duration
from slo_gate.verdict import Budget, BurnAlert

if TYPE_CHECKING:  # the event series: runs with tests, CI, build or server data bring them
    from slo_gate.events import RatioSeries, WindowCounts

MINUTE = 60
HOUR = 3600
DAY = 86400

#: every window a burn rate is reported for, shortest first
BURN_WINDOWS: dict[str, int] = {
    "5m": 5 * MINUTE,
    "30m": 30 * MINUTE,
    "1h": HOUR,
    "2h": 2 * HOUR,
    "6h": 6 * HOUR,
    "1d": DAY,
    "3d": 3 * DAY,
    "7d": 7 * DAY,
    "30d": 30 * DAY,
}

#: windows whose burn rate stands for "recent" in time to exhaustion, in order of preference
RECENT_WINDOWS: tuple[str, ...] = ("1d", "3d", "7d", "30d")


@dataclass(frozen=True, slots=True)
class MultiwindowRule:
    """Fire when the burn rate is at least ``factor`` over both ``long`` and ``short``."""

    name: str
    severity: str
    factor: Fraction
    long: str
    short: str


MULTIWINDOW_RULES: tuple[MultiwindowRule, ...] = (
    MultiwindowRule("page-fast", "page", Fraction("14.4"), "1h", "5m"),
    MultiwindowRule("page-slow", "page", Fraction(6), "6h", "30m"),
    MultiwindowRule("ticket-fast", "ticket", Fraction(3), "1d", "2h"),
    MultiwindowRule("ticket-slow", "ticket", Fraction(1), "3d", "6h"),
)


def exact(value: float) -> Fraction:
    """The decimal a user wrote (``0.995``), not its nearest binary double."""
    return Fraction(repr(value))


def error_budget(target: float) -> Fraction:
    """B = 1 − target, exactly: 99.5 % leaves 1/200 of the events to fail."""
    if not 0 <= target <= 1:
        raise ValueError(f"an SLO target must lie in [0, 1], got {target}")
    return 1 - exact(target)


def consumed_share(bad: int, valid: int, budget: Fraction) -> Fraction:
    """bad / (B · valid): 1 means the budget is used up; never negative.

    With no valid event nothing is consumed. With a zero budget (target 100 %) any bad event
    consumes all of it.
    """
    if bad < 0 or valid < 0 or bad > valid:
        raise ValueError(f"need 0 <= bad <= valid, got bad={bad}, valid={valid}")
    if valid == 0 or bad == 0:
        return Fraction(0)
    if budget == 0:
        return Fraction(1)
    return Fraction(bad) / (budget * valid)


def burn_rate(counts: WindowCounts, budget: Fraction) -> Fraction | None:
    """Error ratio / B; ``None`` when the window is empty or there is no budget to burn."""
    if counts.valid == 0 or budget == 0:
        return None
    return Fraction(counts.bad, counts.valid) / budget


def _pct(value: Fraction | float) -> str:
    return f"{float(value) * 100:.4g} %"


def _rate(value: Fraction) -> str:
    return f"{float(value):.3g}×"


@dataclass(frozen=True, slots=True)
class _Windows:
    """Counts and burn rates per window, with "insufficient data" decided once."""

    counts: dict[str, WindowCounts]
    rates: dict[str, Fraction | None]
    enough: dict[str, bool]


def _windows(series: RatioSeries, budget: Fraction, now_s: int, min_events: int) -> _Windows:
    counts = {name: series.last(seconds, now_s) for name, seconds in BURN_WINDOWS.items()}
    enough = {name: c.valid > 0 and c.valid >= min_events for name, c in counts.items()}
    rates = {name: burn_rate(c, budget) if enough[name] else None for name, c in counts.items()}
    return _Windows(counts, rates, enough)


def multiwindow_alerts(w: _Windows) -> list[BurnAlert]:
    """The SRE-workbook alerts; each needs enough events in both of its windows."""
    alerts = []
    for rule in MULTIWINDOW_RULES:
        long_rate, short_rate = w.rates[rule.long], w.rates[rule.short]
        if long_rate is None or short_rate is None:
            continue
        if long_rate >= rule.factor and short_rate >= rule.factor:
            alerts.append(
                BurnAlert(
                    name=rule.name,
                    severity="page" if rule.severity == "page" else "ticket",
                    message=(
                        f"burning the error budget at {_rate(long_rate)} over {rule.long} and "
                        f"{_rate(short_rate)} over {rule.short} (alert at {_rate(rule.factor)})"
                    ),
                )
            )
    return alerts


def policy_alert(
    series: RatioSeries, budget: Fraction, policy: BudgetPolicy, now_s: int, valid_window: int
) -> BurnAlert | None:
    """SLOS.md's "alert when 50 % burned in 7 days": bad(within) / (B · valid(window)) ≥ 50 %."""
    if budget == 0 or valid_window == 0 or valid_window < policy.min_events:
        return None
    recent = series.last(policy.alert.within, now_s)
    share = Fraction(recent.bad) / (budget * valid_window)
    if share < exact(policy.alert.consumed):
        return None
    return BurnAlert(
        name="policy",
        severity="warning",
        message=(
            f"{_pct(share)} of the error budget burned in the last "
            f"{format_duration(policy.alert.within)} (alert at {_pct(policy.alert.consumed)}): "
            f"{recent.bad:,} bad of {valid_window:,} valid events in "
            f"{format_duration(policy.window)}"
        ),
    )


def _recent_rate(w: _Windows) -> Fraction | None:
    for name in RECENT_WINDOWS:
        if w.rates[name] is not None:
            return w.rates[name]
    return None


def _time_to_exhaustion(
    remaining: Fraction, window_s: float, recent: Fraction | None
) -> float | None:
    """remaining · window / recent burn rate; 0 when already spent, None when not burning."""
    if remaining <= 0:
        return 0.0
    if recent is None or recent <= 0:
        return None
    return float(remaining * exact(window_s) / recent)


def compute_budget(series: RatioSeries, target: float, policy: BudgetPolicy, now_s: int) -> Budget:
    """The error budget of one ratio SLO at ``now_s`` (epoch seconds), from its event buckets.

    ``target`` is the SLO as a fraction (0.995 for availability, 0.95 for "P95 within the
    limit"). Fewer valid events than ``policy.min_events`` in the budget window mark the whole
    budget ``insufficient_data``: it is still computed and shown, but must not decide a release.
    """
    b = error_budget(target)
    window = series.last(policy.window, now_s)
    consumed = consumed_share(window.bad, window.valid, b)
    remaining = max(Fraction(0), 1 - consumed)
    w = _windows(series, b, now_s, policy.min_events)
    insufficient = window.valid == 0 or window.valid < policy.min_events
    alerts = [] if insufficient else multiwindow_alerts(w)
    p_alert = None if insufficient else policy_alert(series, b, policy, now_s, window.valid)
    if p_alert is not None:
        alerts.append(p_alert)
    recent = _recent_rate(w)
    return Budget(
        consumed=float(consumed),
        remaining=float(remaining),
        burn_rate=None if recent is None else float(recent),
        time_to_exhaustion_s=_time_to_exhaustion(remaining, policy.window, recent),
        target=target,
        window_s=policy.window,
        valid=window.valid,
        bad=window.bad,
        allowed_bad=float(b * window.valid),
        burn_rates={name: None if r is None else float(r) for name, r in w.rates.items()},
        alerts=alerts,
        insufficient_data=insufficient,
    )


def consumed_exact(budget: Budget) -> Fraction:
    """The consumed share recomputed exactly from a Budget's counts (for release thresholds)."""
    if budget.target is None:
        return exact(budget.consumed)
    return consumed_share(budget.bad, budget.valid, error_budget(budget.target))


def remaining_by_day(
    series: RatioSeries, target: float, policy: BudgetPolicy, now_s: int, step_s: int = 86400
) -> list[tuple[int, float | None]]:
    """The budget's burn-down over the window ending at ``now_s``: at the end of each step,
    the share left, 1 − bad(window start, t] / (B · valid events of the whole window).

    The last point is the budget's ``remaining``; None throughout when the window is empty.
    """
    b = error_budget(target)
    start = now_s - math.floor(policy.window)
    valid = series.counts(start, now_s).valid
    ends = [min(start + k * step_s, now_s) for k in range(1, math.ceil(policy.window / step_s) + 1)]
    if valid == 0 or b == 0:
        return [(t, None) for t in ends]
    return [
        (t, float(max(Fraction(0), 1 - Fraction(series.counts(start, t).bad) / (b * valid))))
        for t in ends
    ]
