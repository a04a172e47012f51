"""The MCP server's SLOs from its request logs: availability and P95 latency per location.

DESIGN.md: availability = good / valid requests; "P95 latency ≤ 500 ms" is measured as "≥ 95 %
of requests within 500 ms" (a ratio SLO with a 5 % budget) and the actual nearest-rank P95 is
reported beside it with its n. The two views agree exactly: the ``ceil(0.95·n)``-th smallest
latency is ≤ the limit if and only if at least 95 % of the requests are within it.

SLOS.md's latency alert ("P95 exceeds target for > 10 % of requests over 1 hour") is evaluated
as: more than 10 % of requests slower than the target in any 1-hour window (sliding by one
bucket) of the budget window; overlapping breaching hours are merged into periods, each shown
with its worst hour.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from fractions import Fraction

from slo_gate.config.policy import BudgetPolicy, DurationThresholds, ServerPolicy
from slo_gate.engine.budget import compute_budget, exact
from slo_gate.engine.window import Span, breaching_runs, window_label
from slo_gate.events import LocationLatency, RatioSeries, ServerMeasurement, WindowCounts
from slo_gate.formatting import counted
from slo_gate.slos import LATENCY_IDS, SloId, spec
from slo_gate.verdict import Budget, BurnAlert, Slo, SlowHour, SlowPeriod, Status

HOUR = 3600
SLOW_SHARE = Fraction(1, 10)  # SLOS.md: "> 10 % of requests over 1 hour"
LATENCY_PERCENTILE = 0.95
LATENCY_TARGET = 0.95  # "P95 ≤ limit" as "≥ 95 % of requests within the limit"
MAX_LISTED_PERIODS = 10
LOCATIONS = tuple(LATENCY_IDS)


def _utc(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def slow_periods(
    series: RatioSeries, now_s: int, window_s: float, min_events: int
) -> list[SlowPeriod]:
    """Every 1-hour window of the last ``window_s`` with > 10 % bad events, merged into periods.

    Windows slide by one bucket; a window needs ``min_events`` requests (and at least one) to
    count, so that two slow requests out of three in a quiet hour do not raise an alert.
    """

    def breach(c: WindowCounts) -> bool:
        return c.valid > 0 and c.valid >= min_events and Fraction(c.bad, c.valid) > SLOW_SHARE

    runs = breaching_runs(
        series, now_s - math.floor(window_s), now_s, HOUR, series.bucket_s, breach
    )
    return [_period(run) for run in runs]


def _period(run: list[tuple[int, WindowCounts]]) -> SlowPeriod:
    w_start, worst = run[0]
    for start, c in run[1:]:
        if Fraction(c.bad, c.valid) > Fraction(worst.bad, worst.valid):
            w_start, worst = start, c
    hour = SlowHour(
        start=_utc(w_start), end=_utc(w_start + HOUR), slow=worst.bad, requests=worst.valid
    )
    return SlowPeriod(start=_utc(run[0][0]), end=_utc(run[-1][0] + HOUR), worst=hour)


def describe_periods(periods: list[SlowPeriod], limit_ms: float) -> str:
    """One line per period (the first ten), for the alert message and the SLO detail."""
    parts = [
        f"{_stamp(p.start)} – {_stamp(p.end)} (worst hour from {_stamp(p.worst.start)}: "
        f"{p.worst.share * 100:.1f} %, {p.worst.slow:,} of {p.worst.requests:,} slower than "
        f"{limit_ms:g} ms)"
        for p in periods[:MAX_LISTED_PERIODS]
    ]
    if len(periods) > MAX_LISTED_PERIODS:
        parts.append(f"and {len(periods) - MAX_LISTED_PERIODS} more")
    return "; ".join(parts)


def _ratio_status(good: int, valid: int, warning: float | None, critical: float | None) -> Status:
    """Lower limits on a ratio, compared exactly: below critical fails, below warning warns."""
    ratio = Fraction(good, valid)
    if critical is not None and ratio < exact(critical):
        return "fail"
    if warning is not None and ratio < exact(warning):
        return "warn"
    return "pass"


def _upper_status(value_us: int, thresholds: DurationThresholds) -> Status:
    """Upper limits on a latency in whole µs: above critical fails, above warning warns."""
    if thresholds.critical is not None and value_us > _micros(thresholds.critical):
        return "fail"
    if thresholds.warning is not None and value_us > _micros(thresholds.warning):
        return "warn"
    return "pass"


def _micros(seconds: float) -> int:
    return round(exact(seconds) * 1_000_000)


def _no_data(slo_id: SloId, unit: str, window: str, why: str, samples: int = 0) -> Slo:
    return Slo(
        id=slo_id,
        title=spec(slo_id).title,
        status="no-data",
        value=None,
        unit=unit,
        target=None,
        window=window,
        samples=samples,
        detail=why,
    )


def _input_trouble(m: ServerMeasurement) -> str | None:
    if m.no_data:
        return (
            f"no data: {m.bad.count:,} of {m.lines:,} log lines unusable "
            f"({m.bad_share * 100:.2f} % > {m.max_bad_share * 100:g} % allowed); see problems"
        )
    return None


def availability_slo(
    m: ServerMeasurement,
    policy: ServerPolicy,
    budget: BudgetPolicy,
    span: Span,
    *,
    with_budget: bool = True,
) -> Slo:
    """``mcp-availability``: successful / valid requests over ``span``.

    The gate passes the availability window ending now; the report passes its period. The
    error budget is the policy's, at the end of the span (left out with ``with_budget=False``).
    """
    thresholds = policy.availability
    window = span.label
    slo_id: SloId = "mcp-availability"
    trouble = _input_trouble(m)
    if trouble:
        return _no_data(slo_id, "%", window, trouble)
    counts = m.availability.counts(span.start_s, span.end_s)
    if counts.valid == 0 or counts.valid < budget.min_events:
        return _no_data(
            slo_id,
            "%",
            window,
            f"insufficient data: {counts.valid} requests in {window} "
            f"(at least {budget.min_events} needed)",
            counts.valid,
        )
    target = thresholds.critical if thresholds.critical is not None else thresholds.warning
    slo_budget = None
    if target is not None and with_budget:
        slo_budget = compute_budget(m.availability, target, budget, span.end_s)
    return Slo(
        id=slo_id,
        title=spec(slo_id).title,
        status=_ratio_status(counts.good, counts.valid, thresholds.warning, thresholds.critical),
        value=counts.good / counts.valid * 100,
        unit="%",
        target=None if thresholds.critical is None else thresholds.critical * 100,
        warning=None if thresholds.warning is None else thresholds.warning * 100,
        comparison=">=",
        samples=counts.valid,
        window=window,
        budget=slo_budget,
        detail=f"{counts.good:,} of {counts.valid:,} requests succeeded in {window}",
    )


def counted_against(measured: LocationLatency, limit_s: float | None) -> bool:
    """True when the "within the limit" counts were made against the policy's limit."""
    return limit_s is not None and measured.target_us == _micros(limit_s)


def latency_slo(
    m: ServerMeasurement,
    location: str,
    thresholds: DurationThresholds,
    budget: BudgetPolicy,
    span: Span,
    *,
    with_budget: bool = True,
) -> Slo:
    """``mcp-latency-<location>``: the P95 beside the share of requests within the limit.

    The P95 comes from the measurement's digest, which the collector built over exactly
    ``span``; the share within the limit is counted over ``span``.
    """
    slo_id = LATENCY_IDS[location]
    window = span.label
    trouble = _input_trouble(m)
    if trouble:
        return _no_data(slo_id, "ms", window, trouble)
    measured = m.latency.get(location)
    if measured is None or measured.digest.n == 0:
        return _no_data(slo_id, "ms", window, f"no {location} request with a latency")
    if measured.digest.n < budget.min_events:
        return _no_data(
            slo_id,
            "ms",
            window,
            f"insufficient data: {measured.digest.n} {location} requests in {window} "
            f"(at least {budget.min_events} needed)",
            measured.digest.n,
        )
    p95_us = measured.digest.percentile_us(LATENCY_PERCENTILE)
    assert p95_us is not None
    limit = thresholds.critical
    counted = counted_against(measured, limit)
    return Slo(
        id=slo_id,
        title=spec(slo_id).title,
        status=_upper_status(p95_us, thresholds),
        value=p95_us / 1000,
        unit="ms",
        target=None if limit is None else limit * 1000,
        warning=None if thresholds.warning is None else thresholds.warning * 1000,
        comparison="<=",
        samples=measured.digest.n,
        window=window,
        budget=(
            _latency_budget(measured, limit, budget, span.end_s)
            if limit is not None and with_budget
            else None
        ),
        slow_periods=(
            slow_periods(measured.series, span.end_s, budget.window, budget.min_events)
            if counted and with_budget
            else []
        ),
        detail=_latency_detail(measured, limit, span),
    )


def _latency_budget(
    measured: LocationLatency, limit_s: float, budget: BudgetPolicy, now_s: int
) -> Budget | None:
    """The 5 % budget of "≥ 95 % within the limit", plus the slow-hour alert of SLOS.md."""
    if not counted_against(measured, limit_s):
        return None  # counted against another limit: the detail says so
    result = compute_budget(measured.series, LATENCY_TARGET, budget, now_s)
    periods = slow_periods(measured.series, now_s, budget.window, budget.min_events)
    if not periods:
        return result
    alert = BurnAlert(
        name="latency-hourly",
        severity="warning",
        message=(
            f"more than 10 % of {measured.location} requests slower than {limit_s * 1000:g} ms "
            f"within an hour, {counted(len(periods), 'time')} in the last "
            f"{window_label(budget.window)}: {describe_periods(periods, limit_s * 1000)}"
        ),
    )
    return result.model_copy(update={"alerts": [*result.alerts, alert]})


def _latency_detail(measured: LocationLatency, limit_s: float | None, span: Span) -> str:
    n = measured.digest.n
    p95 = measured.digest.percentile_ms(LATENCY_PERCENTILE)
    text = f"P95 {p95:g} ms of {n:,} {measured.location} requests"
    if limit_s is None:
        return text
    if not counted_against(measured, limit_s):
        return (
            f"{text}; the logs were counted against {measured.target_us / 1000:g} ms, not the "
            f"policy's {limit_s * 1000:g} ms: collect again with this policy"
        )
    within = measured.series.counts(span.start_s, span.end_s)
    share = 0.0 if within.valid == 0 else within.good / within.valid * 100
    return (
        f"{text}; {share:.2f} % within {limit_s * 1000:g} ms "
        f"({within.good:,} of {within.valid:,}, target ≥ {LATENCY_TARGET * 100:g} %)"
    )


def evaluate_server(
    m: ServerMeasurement, policy: ServerPolicy, budget: BudgetPolicy, now: datetime
) -> list[Slo]:
    """``mcp-availability``, ``mcp-latency-local`` and ``mcp-latency-remote``, with budgets.

    ``now`` must be timezone-aware; windows end at ``now`` (to the second) and the collector
    must have read the logs with the same ``now`` and policy.
    """
    slos = [availability_slo(m, policy, budget, Span.ending(now, policy.availability.window))]
    span = Span.ending(now, budget.window)
    for location in LOCATIONS:
        target = getattr(policy.latency, location)
        slos.append(latency_slo(m, location, target.p95, budget, span))
    return slos
