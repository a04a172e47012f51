"""SLO performance over a report period: every value from the engine's SLO functions. Pure.

Each SLO is computed by the same engine function the gate uses, over the period's span
instead of the gate's window ending now; this module only adds the daily points and the
statistics shown beside the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slo_gate.config.policy import Policy
from slo_gate.engine.build_time import build_time_slo
from slo_gate.engine.bundles import bundle_history_slos
from slo_gate.engine.ci import ci_slo, pass_rate
from slo_gate.engine.evaluate import build_history
from slo_gate.engine.server import (
    LATENCY_PERCENTILE,
    availability_slo,
    counted_against,
    latency_slo,
)
from slo_gate.engine.tests import visual_history, visual_window_slo, window_rate
from slo_gate.engine.thresholds import upper_status
from slo_gate.engine.window import Span
from slo_gate.events import RatioSeries, ServerMeasurement
from slo_gate.records import Record
from slo_gate.report.periods import day_key, day_spans, span_of, zone
from slo_gate.report_model import (
    BuildTimeStats,
    BundleTrends,
    DailyPoint,
    LatencyStats,
    PassRate,
    Performance,
    Period,
    SizeTrend,
    SloPerformance,
)
from slo_gate.runs import RunSummary
from slo_gate.slos import LATENCY_IDS, SloId, spec
from slo_gate.verdict import Slo

Days = Sequence[tuple[str, Span]]


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100


def row(slo: Slo) -> SloPerformance:
    """The report's row of an engine SLO."""
    return SloPerformance.model_validate(
        slo.model_dump(
            include={
                "id",
                "title",
                "unit",
                "value",
                "target",
                "warning",
                "comparison",
                "status",
                "samples",
                "detail",
            }
        )
    )


def no_data(slo_id: SloId, why: str) -> SloPerformance:
    s = spec(slo_id)
    return SloPerformance.model_validate(
        {
            "id": slo_id,
            "title": s.title,
            "unit": s.unit,
            "value": None,
            "comparison": s.comparison,
            "status": "no-data",
            "samples": 0,
            "detail": why,
        }
    )


def daily_ratio(series: RatioSeries, days: Days) -> list[DailyPoint]:
    points = []
    for key, day in days:
        c = series.counts(day.start_s, day.end_s)
        points.append(DailyPoint(day=key, value=_pct(c.ratio), samples=c.valid))
    return points


def _latency_stats(
    m: ServerMeasurement, location: str, policy: Policy, span: Span, days: Days
) -> LatencyStats | None:
    measured = m.latency.get(location)
    if measured is None or measured.digest.n == 0:
        return None
    thresholds = getattr(policy.server.latency, location).p95
    limit_ms = None if thresholds.critical is None else thresholds.critical * 1000
    counted = counted_against(measured, thresholds.critical)
    within = measured.series.counts(span.start_s, span.end_s)
    p95_us = measured.digest.percentile_us(LATENCY_PERCENTILE)
    return LatencyStats(
        location=location,
        n=measured.digest.n,
        p95_ms=None if p95_us is None else p95_us / 1000,
        within=within.good if counted else 0,
        valid=within.valid if counted else 0,
        limit_ms=limit_ms,
        daily_within=daily_ratio(measured.series, days) if counted else [],
    )


def _server(
    m: ServerMeasurement | None, policy: Policy, span: Span, days: Days, note: str
) -> tuple[list[SloPerformance], list[LatencyStats], list[DailyPoint]]:
    if m is None:
        ids: list[SloId] = ["mcp-availability", *LATENCY_IDS.values()]
        return [no_data(slo_id, note) for slo_id in ids], [], []
    p = policy.server
    slos = [row(availability_slo(m, p, policy.budget, span, with_budget=False))]
    stats = []
    for location in LATENCY_IDS:
        thresholds = getattr(p.latency, location).p95
        slos.append(
            row(latency_slo(m, location, thresholds, policy.budget, span, with_budget=False))
        )
        found = None if m.no_data else _latency_stats(m, location, policy, span, days)
        if found is not None:
            stats.append(found)
    daily = [] if m.no_data else daily_ratio(m.availability, days)
    return slos, stats, daily


def _build_time(
    records: Sequence[Record], policy: Policy, span: Span
) -> tuple[SloPerformance, BuildTimeStats | None]:
    slo, s = build_time_slo(
        build_history(records),
        None,
        span,
        policy.build_time,
        policy.budget,
        with_budget=False,
        history_can_fail=True,
    )
    stats = BuildTimeStats(
        n=s.n, median_s=s.median_s, p95_s=s.p95_s, max_s=s.max_s, within=s.within, limit_s=s.limit_s
    )
    return row(slo), stats if s.n else None


def _size_trend(
    name: str,
    points: Sequence[tuple[datetime, int]],
    limits: tuple[int | None, int | None],
    tz: ZoneInfo,
    days: Days,
) -> SizeTrend:
    warning, limit = limits
    values = [v for _, v in points]
    first = values[0] if values else None
    last = values[-1] if values else None
    change = None if first is None or last is None else last - first
    by_day: dict[str, int] = {}
    for at, v in points:
        by_day[day_key(at, tz)] = v  # the day's last build
    return SizeTrend(
        name=name,
        first=first,
        last=last,
        min=min(values, default=None),
        max=max(values, default=None),
        change=change,
        change_pct=None if change is None or not first else change / first * 100,
        limit=limit,
        headroom=None if limit is None or last is None else limit - last,
        status=upper_status(last, warning, limit),
        samples=len(values),
        daily=[
            DailyPoint(day=k, value=by_day.get(k), samples=1 if k in by_day else 0) for k, _ in days
        ],
    )


def _bundle_trends(
    records: Sequence[Record], policy: Policy, span: Span, tz: ZoneInfo, days: Days
) -> BundleTrends | None:
    b = policy.bundles
    comp = b.compression
    built = [r for r in records if r.bundles is not None and span.holds(r.recorded_at)]
    if not built:
        return None
    widgets: dict[str, list[tuple[datetime, int]]] = {}
    totals: list[tuple[datetime, int]] = []
    for r in built:
        assert r.bundles is not None
        for name, w in r.bundles.widgets.items():
            widgets.setdefault(name, []).append((r.recorded_at, int(getattr(w, comp))))
        totals.append((r.recorded_at, int(getattr(r.bundles.total, comp))))
    per_widget = (b.per_widget.warning, b.per_widget.critical)
    return BundleTrends(
        compression=comp,
        widgets=[_size_trend(n, pts, per_widget, tz, days) for n, pts in sorted(widgets.items())],
        total=_size_trend("total", totals, (b.total.warning, b.total.critical), tz, days),
    )


def _ci(
    runs: Sequence[RunSummary] | None, policy: Policy, span: Span, days: Days, note: str
) -> tuple[SloPerformance, PassRate | None]:
    if runs is None:
        return no_data("ci-pass-rate", note), None
    slo, whole = ci_slo(runs, policy.ci, policy.budget, span, with_budget=False)
    daily = []
    for key, day in days:
        c = policy.ci
        d = pass_rate(
            runs, now=day.end, window_s=day.seconds, attempts=c.attempts, branches=c.branches
        )
        daily.append(DailyPoint(day=key, value=_pct(d.rate), samples=d.n))
    rate = PassRate(
        passed=whole.passed,
        failed=whole.failed,
        rate=whole.rate,
        flaky=len(whole.flaky),
        excluded=whole.excluded,
        daily=daily,
    )
    return row(slo), rate


def _visual(
    records: Sequence[Record], policy: Policy, span: Span, days: Days
) -> tuple[SloPerformance, PassRate | None]:
    history = visual_history(records)
    slo, pooled = visual_window_slo(
        history, policy.tests, span, min_events=policy.budget.min_events
    )
    if pooled.runs == 0:
        return row(slo), None
    daily = []
    for key, day in days:
        d = window_rate(history, None, day.end, day.seconds)
        daily.append(DailyPoint(day=key, value=_pct(d.rate), samples=d.executed))
    rate = PassRate(
        passed=pooled.passed,
        failed=pooled.failed,
        rate=pooled.rate,
        flaky=pooled.flaky,
        daily=daily,
    )
    return row(slo), rate


def performance(
    policy: Policy,
    period: Period,
    server: ServerMeasurement | None,
    records: Sequence[Record],
    ci_runs: Sequence[RunSummary] | None,
    notes: tuple[str, str],
) -> Performance:
    """Every SLO over the period; ``notes`` say why server logs / CI runs are missing."""
    span = span_of(period)
    days = day_spans(period)
    tz = zone(period.timezone)
    server_note, ci_note = notes
    slos, latency, avail_daily = _server(server, policy, span, days, server_note)
    build_slo, build_stats = _build_time(records, policy, span)
    ci_slo_row, ci = _ci(ci_runs, policy, span, days, ci_note)
    visual_row, visual = _visual(records, policy, span, days)
    slos += [
        build_slo,
        *(row(s) for s in bundle_history_slos(records, policy.bundles, span)),
        ci_slo_row,
        visual_row,
    ]
    return Performance(
        slos=slos,
        availability_daily=avail_daily,
        latency=latency,
        build_time=build_stats,
        bundles=_bundle_trends(records, policy, span, tz, days),
        ci=ci,
        visual=visual,
    )
