"""Build the monthly SLO report from history, server measurements, CI runs and incident issues.

PURE: no I/O, no environment, no clock ("now" is an argument). The edge (``report.command``)
reads the stores, logs and GitHub and hands plain data in; the renderers format the result.

What goes in and what it means (DESIGN.md "Settled meanings"):

- The period is a calendar month in the policy's time zone (``month_period``) or a rolling
  window ending at "now" (``window_period``). ``as_of`` = min(now, end): a month still running
  is reported up to now and says how much of it has elapsed (``Coverage``).
- SLO performance is computed over the period; error budgets over the policy's rolling window
  (30 d) ending at ``as_of``, through ``engine.budget.compute_budget``.
- Incidents found in the data are sliding windows whose error ratio breaks a rule of
  ``INCIDENT_RULES`` (latency: SLOS.md's "> 10 % of requests slower than the target over 1
  hour"; availability: the SRE workbook's page rule, 2 % of a 30-day budget in one hour, i.e.
  a burn rate ≥ 14.4 over 1 h; CI, build time and visual tests, whose events are sparse: a burn
  rate ≥ 3 over 1 day, 10 % of a 30-day budget). Overlapping windows merge; each period is then
  trimmed to its first and last bad event bucket, and its consumed budget is bad / (B · valid
  events of the report period).
- Records count when their branch is one of the policy's ``ci.branches`` (or they have none):
  pull-request records would mix unmerged sizes into the trends.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slo_gate.config.policy import Policy
from slo_gate.engine.budget import compute_budget, consumed_exact, error_budget, exact
from slo_gate.engine.ci import RunSummary, event_series, pass_events, pass_rate
from slo_gate.engine.percentiles import nearest_rank
from slo_gate.engine.thresholds import lower_status, upper_status
from slo_gate.events import RatioSeries, ServerMeasurement, WindowCounts
from slo_gate.measurements import Problem
from slo_gate.records import Record
from slo_gate.report.model import (
    Alert,
    BudgetStatus,
    BuildTimeStats,
    BundleTrends,
    Coverage,
    DailyPoint,
    DataIncident,
    Direction,
    IncidentIssue,
    IncidentIssueData,
    Incidents,
    LatencyStats,
    PassRate,
    Performance,
    Period,
    Report,
    ReviewState,
    Severity,
    SizeTrend,
    SloPerformance,
    SourceCoverage,
    Trend,
    Trends,
    WorstWidget,
)
from slo_gate.verdict import Budget

HOUR = 3600
DAY = 86400
REVIEW_DEADLINE_S = 48 * HOUR  # SLOS.md: "post-incident review within 48 hours"
LATENCY_TARGET = 0.95  # "P95 <= limit" as ">= 95 % of requests within the limit"
WORST_WIDGETS = 5
SECTION_CHARS = 2000
LOCATIONS = ("local", "remote")

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# ----------------------------------------------------------------------------- periods


def zone(name: str) -> ZoneInfo:
    """The policy's time zone; a bad name is a ValueError the edge turns into a usage error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} in the policy's timezone; "
            "fix: use an IANA name such as UTC or Europe/Berlin"
        ) from None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def month_period(month: str, timezone: str, now: datetime) -> Period:
    """The calendar month ``YYYY-MM`` in ``timezone``, reported as of min(now, month end)."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-10")
    tz = zone(timezone)
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, number, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz).astimezone(UTC)
    now = _aware(now).astimezone(UTC)
    if now <= start:
        raise ValueError(
            f"--month {month} starts {start.isoformat()}, after now ({now.isoformat()}); "
            "fix: pick a month that has begun"
        )
    return Period(
        kind="month", label=month, start=start, end=end, timezone=timezone, as_of=min(now, end)
    )


def window_period(window_s: float, timezone: str, now: datetime) -> Period:
    """The rolling window of ``window_s`` seconds ending at ``now``."""
    if window_s < HOUR:
        raise ValueError(f"--window must be at least 1 h, got {window_s:g} s")
    tz = zone(timezone)
    end = _aware(now).astimezone(UTC)
    start = end - timedelta(seconds=window_s)
    label = f"{_span(window_s)} to {end.astimezone(tz):%Y-%m-%d %H:%M}"
    return Period(kind="window", label=label, start=start, end=end, timezone=timezone, as_of=end)


def previous_period(period: Period) -> Period:
    """The calendar month before, or the window of the same length just before."""
    tz = zone(period.timezone)
    if period.kind == "month":
        start = period.start
        local = start.astimezone(tz)
        prev_local = datetime(
            local.year - (local.month == 1), (local.month - 2) % 12 + 1, 1, tzinfo=tz
        )
        return Period(
            kind="month",
            label=f"{prev_local:%Y-%m}",
            start=prev_local.astimezone(UTC),
            end=start,
            timezone=period.timezone,
            as_of=start,
        )
    length = period.end - period.start
    return Period(
        kind="window",
        label=f"{_span(length.total_seconds())} to {period.start.astimezone(tz):%Y-%m-%d %H:%M}",
        start=period.start - length,
        end=period.start,
        timezone=period.timezone,
        as_of=period.start,
    )


def _span(seconds: float) -> str:
    return f"{seconds / DAY:g}d" if seconds % DAY == 0 else f"{seconds / HOUR:g}h"


def _s(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def days_of(period: Period) -> list[tuple[str, int, int]]:
    """``(YYYY-MM-DD, start_s, end_s)`` of each calendar day of the period up to ``as_of``.

    Days are those of the policy's time zone (23 or 25 hours long on DST changes); the first
    and last are cut to the period.
    """
    tz = zone(period.timezone)
    start = period.start.astimezone(tz)
    stop = period.as_of.astimezone(tz)
    out: list[tuple[str, int, int]] = []
    day = datetime(start.year, start.month, start.day, tzinfo=tz)
    while day < stop:
        nxt = day.date() + timedelta(days=1)
        day_end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
        out.append((day.date().isoformat(), _s(max(day, start)), _s(min(day_end, stop))))
        day = day_end
    return out


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ServerInput:
    """Server measurements, each collected for its own window (see ``report.command``).

    ``period`` covers exactly the report period (its digest gives the period's P95);
    ``budget`` the policy window ending at ``as_of``; ``previous`` the previous period.
    """

    period: ServerMeasurement | None = None
    budget: ServerMeasurement | None = None
    previous: ServerMeasurement | None = None
    note: str = "no server logs were read (server.logs is empty)"


@dataclass(frozen=True)
class ReportInput:
    policy: Policy
    period: Period
    now: datetime
    records: Sequence[Record] = ()
    server: ServerInput = field(default_factory=ServerInput)
    ci_runs: Sequence[RunSummary] | None = None
    ci_note: str = "CI runs were not read"
    incident_issues: Sequence[IncidentIssueData] | None = None
    issues_note: str = "GitHub issues were not read"
    problems: Sequence[Problem] = ()


# ----------------------------------------------------------------------------- helpers


def _in(moment: datetime, start: datetime, end: datetime) -> bool:
    return start <= _aware(moment) < end


def report_records(records: Iterable[Record], branches: Sequence[str]) -> list[Record]:
    """Records of the report's branches (or without a branch), oldest first."""
    kept = [r for r in records if not branches or r.branch is None or r.branch in branches]
    return sorted(kept, key=lambda r: _aware(r.recorded_at))


def _records_in(records: Sequence[Record], period: Period) -> list[Record]:
    return [r for r in records if _in(r.recorded_at, period.start, period.as_of)]


def _day_key(moment: datetime, tz: ZoneInfo) -> str:
    return _aware(moment).astimezone(tz).date().isoformat()


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100


def _ratio(good: int, valid: int) -> float | None:
    return None if valid == 0 else good / valid


def _daily_ratio(series: RatioSeries, days: Sequence[tuple[str, int, int]]) -> list[DailyPoint]:
    points = []
    for key, a, b in days:
        c = series.counts(a, b)
        points.append(DailyPoint(day=key, value=_pct(c.ratio), samples=c.valid))
    return points


def _no_data(
    slo_id: str, title: str, unit: str, comparison: str, why: str, samples: int = 0
) -> SloPerformance:
    return SloPerformance.model_validate(
        {
            "id": slo_id,
            "title": title,
            "unit": unit,
            "value": None,
            "comparison": comparison,
            "status": "no-data",
            "samples": samples,
            "detail": why,
        }
    )


# ----------------------------------------------------------------------------- performance


def _availability(
    m: ServerMeasurement | None, policy: Policy, period: Period, note: str
) -> SloPerformance:
    title = "MCP server availability"
    if m is None:
        return _no_data("mcp-availability", title, "%", ">=", note)
    if m.no_data:
        return _no_data(
            "mcp-availability",
            title,
            "%",
            ">=",
            f"no data: {m.bad.count} of {m.lines} log lines unusable; see problems",
        )
    c = m.availability.counts(_s(period.start), _s(period.as_of))
    t = policy.server.availability
    if c.valid == 0 or c.valid < policy.budget.min_events:
        return _no_data(
            "mcp-availability",
            title,
            "%",
            ">=",
            f"insufficient data: {c.valid} requests (at least {policy.budget.min_events} needed)",
            c.valid,
        )
    value = c.good / c.valid * 100
    return SloPerformance(
        id="mcp-availability",
        title=title,
        unit="%",
        value=value,
        target=_pct(t.critical),
        warning=_pct(t.warning),
        comparison=">=",
        status=lower_status(value, _pct(t.warning), _pct(t.critical)),
        samples=c.valid,
        detail=f"{c.good} of {c.valid} requests succeeded",
    )


def _latency(
    m: ServerMeasurement | None,
    location: str,
    policy: Policy,
    period: Period,
    days: Sequence[tuple[str, int, int]],
    note: str,
) -> tuple[SloPerformance, LatencyStats | None]:
    slo_id, title = f"mcp-latency-{location}", f"MCP server P95 latency ({location})"
    thresholds = getattr(policy.server.latency, location).p95
    limit_ms = None if thresholds.critical is None else thresholds.critical * 1000
    warn_ms = None if thresholds.warning is None else thresholds.warning * 1000
    if m is None or m.no_data:
        return _no_data(slo_id, title, "ms", "<=", note if m is None else "no data: bad logs"), None
    measured = m.latency.get(location)
    if measured is None or measured.digest.n == 0:
        return _no_data(slo_id, title, "ms", "<=", f"no {location} request in the period"), None
    digest = measured.digest
    p95_us = digest.percentile_us(LATENCY_TARGET)
    within = measured.series.counts(_s(period.start), _s(period.as_of))
    limit_ok = limit_ms is not None and measured.target_us == round(exact(limit_ms) * 1000)
    stats = LatencyStats(
        location=location,
        n=digest.n,
        p95_ms=None if p95_us is None else p95_us / 1000,
        within=within.good if limit_ok else 0,
        valid=within.valid if limit_ok else 0,
        limit_ms=limit_ms,
        daily_within=_daily_ratio(measured.series, days) if limit_ok else [],
    )
    if digest.n < policy.budget.min_events:
        why = f"insufficient data: {digest.n} {location} requests"
        return _no_data(slo_id, title, "ms", "<=", why, digest.n), stats
    share = "" if not limit_ok else f"; {within.good} of {within.valid} within {limit_ms:g} ms"
    return (
        SloPerformance(
            id=slo_id,
            title=title,
            unit="ms",
            value=stats.p95_ms,
            target=limit_ms,
            warning=warn_ms,
            comparison="<=",
            status=upper_status(stats.p95_ms, warn_ms, limit_ms),
            samples=digest.n,
            detail=f"P95 of {digest.n} requests (nearest rank){share}",
        ),
        stats,
    )


def _build_time(records: Sequence[Record], policy: Policy) -> tuple[SloPerformance, BuildTimeStats]:
    values = [r.build_time_s for r in records if r.build_time_s is not None]
    p = policy.build_time.p95
    stats = BuildTimeStats(
        n=len(values),
        median_s=nearest_rank(values, 0.5),
        p95_s=nearest_rank(values, 0.95),
        max_s=max(values, default=None),
        within=sum(1 for v in values if p.critical is not None and v <= p.critical),
        limit_s=p.critical,
    )
    title = "Widget build time (P95)"
    if not values:
        return _no_data(
            "widget-build-time", title, "s", "<=", "no record of the period has a build time"
        ), stats
    return (
        SloPerformance(
            id="widget-build-time",
            title=title,
            unit="s",
            value=stats.p95_s,
            target=p.critical,
            warning=p.warning,
            comparison="<=",
            status=upper_status(stats.p95_s, p.warning, p.critical),
            samples=stats.n,
            detail=f"P95 of {stats.n} builds (nearest rank); {stats.within} within the limit",
        ),
        stats,
    )


def _size_of(size: object, compression: str) -> int:
    return int(getattr(size, compression))


def _size_trend(
    name: str,
    points: Sequence[tuple[datetime, int]],
    limit: int | None,
    warning: int | None,
    tz: ZoneInfo,
    days: Sequence[tuple[str, int, int]],
) -> SizeTrend:
    values = [v for _, v in points]
    first = values[0] if values else None
    last = values[-1] if values else None
    change = None if first is None or last is None else last - first
    by_day: dict[str, int] = {}
    for at, v in points:
        by_day[_day_key(at, tz)] = v  # the day's last build
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
            DailyPoint(day=k, value=by_day.get(k), samples=1 if k in by_day else 0)
            for k, _, _ in days
        ],
    )


def _bundles(
    records: Sequence[Record], policy: Policy, tz: ZoneInfo, days: Sequence[tuple[str, int, int]]
) -> tuple[list[SloPerformance], BundleTrends | None]:
    b = policy.bundles
    comp = b.compression
    with_bundles = [r for r in records if r.bundles is not None]
    if not with_bundles:
        why = "no record of the period has bundle sizes"
        return [
            _no_data("widget-bundle-size", "Largest widget (P95)", "bytes", "<=", why),
            _no_data("widget-bundle-total", "All widgets (P95)", "bytes", "<=", why),
        ], None
    widgets: dict[str, list[tuple[datetime, int]]] = {}
    totals: list[tuple[datetime, int]] = []
    largest: list[int] = []
    for r in with_bundles:
        assert r.bundles is not None
        sizes = {n: _size_of(w, comp) for n, w in r.bundles.widgets.items()}
        for name, size in sizes.items():
            widgets.setdefault(name, []).append((r.recorded_at, size))
        totals.append((r.recorded_at, _size_of(r.bundles.total, comp)))
        if sizes:
            largest.append(max(sizes.values()))
    w_limit, w_warn = b.per_widget.critical, b.per_widget.warning
    trends = BundleTrends(
        compression=comp,
        widgets=[
            _size_trend(n, pts, w_limit, w_warn, tz, days) for n, pts in sorted(widgets.items())
        ],
        total=_size_trend("total", totals, b.total.critical, b.total.warning, tz, days),
    )
    p95_largest = nearest_rank([float(v) for v in largest], 0.95)
    p95_total = nearest_rank([float(v) for _, v in totals], 0.95)
    slos = [
        SloPerformance(
            id="widget-bundle-size",
            title="Largest widget (P95)",
            unit="bytes",
            value=p95_largest,
            target=None if w_limit is None else float(w_limit),
            warning=None if w_warn is None else float(w_warn),
            comparison="<=",
            status=upper_status(p95_largest, w_warn, w_limit),
            samples=len(largest),
            detail=f"P95 over {len(largest)} builds of the largest widget ({comp})",
        ),
        SloPerformance(
            id="widget-bundle-total",
            title="All widgets (P95)",
            unit="bytes",
            value=p95_total,
            target=None if b.total.critical is None else float(b.total.critical),
            warning=None if b.total.warning is None else float(b.total.warning),
            comparison="<=",
            status=upper_status(p95_total, b.total.warning, b.total.critical),
            samples=len(totals),
            detail=f"P95 over {len(totals)} builds of the unique-file total ({comp})",
        ),
    ]
    return slos, trends


def _rate_slo(
    slo_id: str,
    title: str,
    rate: PassRate | None,
    warning: float | None,
    critical: float | None,
    min_events: int,
    why_none: str,
    what: str,
) -> SloPerformance:
    if rate is None:
        return _no_data(slo_id, title, "%", ">=", why_none)
    n = rate.passed + rate.failed
    if n == 0 or n < min_events:
        return _no_data(
            slo_id, title, "%", ">=", f"insufficient data: {n} {what} (at least {min_events})", n
        )
    value = _pct(rate.rate)
    detail = f"{rate.passed} of {n} {what} passed"
    if rate.flaky:
        detail += f"; {rate.flaky} flaky"
    return SloPerformance(
        id=slo_id,
        title=title,
        unit="%",
        value=value,
        target=_pct(critical),
        warning=_pct(warning),
        comparison=">=",
        status=lower_status(value, _pct(warning), _pct(critical)),
        samples=n,
        detail=detail,
    )


def _ci(
    runs: Sequence[RunSummary] | None,
    policy: Policy,
    period: Period,
    days: Sequence[tuple[str, int, int]],
) -> PassRate | None:
    if runs is None:
        return None
    ci = policy.ci
    whole = pass_rate(
        runs,
        now=period.as_of,
        window_s=(period.as_of - period.start).total_seconds(),
        attempts=ci.attempts,
        branches=ci.branches,
    )
    daily = []
    for key, a, b in days:
        day = pass_rate(
            runs,
            now=datetime.fromtimestamp(b, UTC),
            window_s=b - a,
            attempts=ci.attempts,
            branches=ci.branches,
        )
        daily.append(DailyPoint(day=key, value=_pct(day.rate), samples=day.n))
    return PassRate(
        passed=whole.passed,
        failed=whole.failed,
        rate=whole.rate,
        flaky=len(whole.flaky),
        excluded=whole.excluded,
        daily=daily,
    )


def _visual(
    records: Sequence[Record], tz: ZoneInfo, days: Sequence[tuple[str, int, int]]
) -> PassRate | None:
    with_tests = [r for r in records if r.tests is not None and r.tests.visual.total > 0]
    if not with_tests:
        return None
    by_day: dict[str, tuple[int, int]] = {}
    passed = failed = flaky = 0
    for r in with_tests:
        assert r.tests is not None
        v = r.tests.visual
        passed, failed, flaky = passed + v.passed, failed + v.failed, flaky + v.flaky
        key = _day_key(r.recorded_at, tz)
        g, n = by_day.get(key, (0, 0))
        by_day[key] = (g + v.passed, n + v.passed + v.failed)
    daily = [
        DailyPoint(
            day=k,
            value=_pct(_ratio(*by_day.get(k, (0, 0)))),
            samples=by_day.get(k, (0, 0))[1],
        )
        for k, _, _ in days
    ]
    return PassRate(
        passed=passed, failed=failed, rate=_ratio(passed, passed + failed), flaky=flaky, daily=daily
    )


def _performance(
    inp: ReportInput,
    period: Period,
    server: ServerMeasurement | None,
    records: Sequence[Record],
) -> Performance:
    policy = inp.policy
    tz = zone(period.timezone)
    days = days_of(period)
    in_period = _records_in(records, period)
    slos = [_availability(server, policy, period, inp.server.note)]
    latency: list[LatencyStats] = []
    for location in LOCATIONS:
        slo, stats = _latency(server, location, policy, period, days, inp.server.note)
        slos.append(slo)
        if stats is not None:
            latency.append(stats)
    build_slo, build_stats = _build_time(in_period, policy)
    slos.append(build_slo)
    bundle_slos, bundles = _bundles(in_period, policy, tz, days)
    slos.extend(bundle_slos)
    ci = _ci(inp.ci_runs, policy, period, days)
    cp = policy.ci.pass_rate
    slos.append(
        _rate_slo(
            "ci-pass-rate",
            "CI pass rate",
            ci,
            cp.warning,
            cp.critical,
            policy.budget.min_events,
            inp.ci_note,
            "counted runs",
        )
    )
    visual = _visual(in_period, tz, days)
    vp = policy.tests.visual_pass_rate
    slos.append(
        _rate_slo(
            "visual-pass-rate",
            "Visual test pass rate",
            visual,
            vp.warning,
            vp.critical,
            policy.budget.min_events,
            "no record of the period has visual test results",
            "executed visual tests",
        )
    )
    avail_daily = (
        _daily_ratio(server.availability, days) if server is not None and not server.no_data else []
    )
    return Performance(
        slos=slos,
        availability_daily=avail_daily,
        latency=latency,
        build_time=build_stats if build_stats.n else None,
        bundles=bundles,
        ci=ci,
        visual=visual,
    )


# ----------------------------------------------------------------------------- budgets


BudgetState = Literal["ok", "pause", "rollback", "insufficient-data"]


def _state(budget: Budget, policy: Policy) -> BudgetState:
    if budget.insufficient_data:
        return "insufficient-data"
    consumed = consumed_exact(budget)
    if consumed >= exact(policy.budget.rollback):
        return "rollback"
    if consumed >= exact(policy.budget.pause):
        return "pause"
    return "ok"


def _budget_status(
    slo_id: str, title: str, series: RatioSeries | None, target: float | None, inp: ReportInput
) -> BudgetStatus:
    if series is None or target is None:
        why = "no input for this SLO" if target is not None else "no critical threshold"
        return BudgetStatus(slo_id=slo_id, title=title, budget=None, state="no-data", note=why)
    budget = compute_budget(series, target, inp.policy.budget, _s(inp.period.as_of))
    state = _state(budget, inp.policy)
    note = ""
    if budget.insufficient_data:
        note = f"insufficient data: {budget.valid} events (at least {inp.policy.budget.min_events})"
    return BudgetStatus(
        slo_id=slo_id,
        title=title,
        budget=budget,
        state=state,
        note=note,
    )


def _record_series(
    records: Sequence[Record],
    as_of: datetime,
    window_s: float,
    event: Callable[[Record], tuple[int, int] | None],
) -> RatioSeries:
    start = as_of - timedelta(seconds=window_s)
    events = []
    for r in records:
        at = _aware(r.recorded_at)
        counted = event(r)
        if counted is not None and start < at <= as_of:
            events.append((at.timestamp(), counted[0], counted[1]))
    return RatioSeries.from_events(events, _s(as_of))


def _budgets(inp: ReportInput, records: Sequence[Record]) -> list[BudgetStatus]:
    policy = inp.policy
    as_of = inp.period.as_of
    window = policy.budget.window
    m = inp.server.budget
    usable = m is not None and not m.no_data
    out = [
        _budget_status(
            "mcp-availability",
            "MCP server availability",
            m.availability if m is not None and usable else None,
            policy.server.availability.critical,
            inp,
        )
    ]
    for location in LOCATIONS:
        limit = getattr(policy.server.latency, location).p95.critical
        measured = m.latency.get(location) if m is not None and usable else None
        series = None
        if (
            measured is not None
            and limit is not None
            and measured.target_us == round(exact(limit) * 1_000_000)
        ):
            series = measured.series
        out.append(
            _budget_status(
                f"mcp-latency-{location}",
                f"MCP server latency ({location}), ≥ 95 % within the limit",
                series,
                LATENCY_TARGET if limit is not None else None,
                inp,
            )
        )
    limit_s = policy.build_time.p95.critical
    builds = [r for r in records if r.build_time_s is not None]
    out.append(
        _budget_status(
            "widget-build-time",
            "Widget build time, ≥ 95 % within the limit",
            _record_series(
                builds,
                as_of,
                window,
                lambda r: (int(r.build_time_s is not None and r.build_time_s <= (limit_s or 0)), 1),
            )
            if builds and limit_s is not None
            else None,
            LATENCY_TARGET if limit_s is not None else None,
            inp,
        )
    )
    ci_series = None
    if inp.ci_runs is not None:
        events = pass_events(
            inp.ci_runs,
            now=as_of,
            window_s=window,
            attempts=policy.ci.attempts,
            branches=policy.ci.branches,
        )
        ci_series = event_series(events, as_of)
    out.append(
        _budget_status("ci-pass-rate", "CI pass rate", ci_series, policy.ci.pass_rate.critical, inp)
    )

    def visual(r: Record) -> tuple[int, int] | None:
        if r.tests is None or r.tests.visual.passed + r.tests.visual.failed == 0:
            return None
        return r.tests.visual.passed, r.tests.visual.passed + r.tests.visual.failed

    has_visual = any(visual(r) is not None for r in records)
    out.append(
        _budget_status(
            "visual-pass-rate",
            "Visual test pass rate",
            _record_series(records, as_of, window, visual) if has_visual else None,
            policy.tests.visual_pass_rate.critical,
            inp,
        )
    )
    return out


_SEVERITY: dict[str, Severity] = {
    "page": "critical",
    "critical": "critical",
    "ticket": "warning",
    "warning": "warning",
}


def alerts_from_budgets(budgets: Sequence[BudgetStatus], policy: Policy) -> list[Alert]:
    """Every firing alert, per SLO: burn-rate alerts of the budget, then pause or rollback.

    Severities follow the SLO table's two levels: page-level burns, pauses and rollbacks are
    critical; the policy's "50 % in 7 days", ticket-level burns and the hourly latency alert
    are warnings. Budgets with insufficient data fire nothing (they cannot decide a release).
    """
    alerts: list[Alert] = []
    for status in budgets:
        b = status.budget
        if b is None or b.insufficient_data:
            continue
        for a in b.alerts:
            alerts.append(
                Alert(
                    slo_id=status.slo_id,
                    name=a.name,
                    severity=_SEVERITY[a.severity],
                    message=a.message,
                )
            )
        if status.state in ("pause", "rollback"):
            limit = policy.budget.rollback if status.state == "rollback" else policy.budget.pause
            verb = "rollback" if status.state == "rollback" else "releases paused"
            alerts.append(
                Alert(
                    slo_id=status.slo_id,
                    name=status.state,
                    severity="critical",
                    message=(
                        f"{verb}: {b.consumed * 100:.1f} % of the error budget consumed "
                        f"(≥ {limit * 100:g} %); {b.bad} bad of {b.valid} events in "
                        f"{(b.window_s or 0) / DAY:g} d"
                    ),
                )
            )
    return alerts


# ----------------------------------------------------------------------------- incidents


def breaching_periods(
    series: RatioSeries,
    start_s: int,
    end_s: int,
    window_s: int,
    step_s: int,
    breach: Callable[[WindowCounts], bool],
) -> list[tuple[int, int]]:
    """Windows of ``window_s`` sliding by ``step_s`` inside [start, end) that breach, merged.

    Each merged period is trimmed to its first and last bucket with a bad event, so it says
    when the trouble was, not when the first breaching window began.
    """
    merged: list[tuple[int, int]] = []
    begin = start_s
    while begin + window_s <= end_s:
        if breach(series.counts(begin, begin + window_s)):
            if merged and begin <= merged[-1][1]:
                merged[-1] = (merged[-1][0], begin + window_s)
            else:
                merged.append((begin, begin + window_s))
        begin += step_s
    starts = [bk.start_s for bk in series.buckets]
    trimmed = []
    for a, b in merged:
        inside = series.buckets[bisect_left(starts, a) : bisect_left(starts, b)]
        bad = [bk for bk in inside if bk.bad]
        if bad:
            trimmed.append((bad[0].start_s, bad[-1].start_s + series.bucket_s))
    return trimmed


def _breach_rule(
    budget: Fraction, factor: Fraction, min_events: int
) -> Callable[[WindowCounts], bool]:
    limit = budget * factor

    def breach(c: WindowCounts) -> bool:
        return c.valid > 0 and c.valid >= min_events and Fraction(c.bad, c.valid) > limit

    return breach


def _found(
    slo_id: str,
    series: RatioSeries,
    target: float,
    period: Period,
    window_s: int,
    step_s: int,
    share: Fraction,
    min_events: int,
    rule: str,
) -> list[DataIncident]:
    start_s, end_s = _s(period.start), _s(period.as_of)
    b = error_budget(target)
    valid_period = series.counts(start_s, end_s).valid
    out = []
    for a, z in breaching_periods(
        series, start_s, end_s, window_s, step_s, _breach_rule(Fraction(1), share, min_events)
    ):
        c = series.counts(a, z)
        consumed = 0.0 if valid_period == 0 or b == 0 else float(c.bad / (b * valid_period))
        out.append(
            DataIncident(
                slo_id=slo_id,
                start=datetime.fromtimestamp(a, UTC),
                end=datetime.fromtimestamp(z, UTC),
                bad=c.bad,
                valid=c.valid,
                budget_consumed=consumed,
                rule=rule,
            )
        )
    return out


PAGE_FACTOR = Fraction("14.4")  # 2 % of a 30-day budget in 1 hour (SRE workbook)
DAY_FACTOR = Fraction(3)  # 10 % of a 30-day budget in 1 day
SLOW_SHARE = Fraction(1, 10)  # SLOS.md: "> 10 % of requests over 1 hour"


def find_incidents(
    inp: ReportInput, period: Period, records: Sequence[Record]
) -> list[DataIncident]:
    """SLO-violating periods in the period's data (rules in the module docstring)."""
    policy = inp.policy
    n = policy.budget.min_events
    found: list[DataIncident] = []
    m = inp.server.period
    if m is not None and not m.no_data:
        target = policy.server.availability.critical
        if target is not None:
            b = error_budget(target)
            found += _found(
                "mcp-availability",
                m.availability,
                target,
                period,
                HOUR,
                m.availability.bucket_s,
                b * PAGE_FACTOR,
                n,
                "error ratio > 14.4 × budget over 1 h",
            )
        for location in LOCATIONS:
            measured = m.latency.get(location)
            limit = getattr(policy.server.latency, location).p95.critical
            if measured is None or limit is None:
                continue
            if measured.target_us != round(exact(limit) * 1_000_000):
                continue
            found += _found(
                f"mcp-latency-{location}",
                measured.series,
                LATENCY_TARGET,
                period,
                HOUR,
                measured.series.bucket_s,
                SLOW_SHARE,
                n,
                f"> 10 % of requests slower than {limit * 1000:g} ms over 1 h",
            )
    sparse: list[tuple[str, RatioSeries, float]] = []
    end = period.as_of
    span = (period.as_of - period.start).total_seconds()
    limit_s = policy.build_time.p95.critical
    builds = [r for r in records if r.build_time_s is not None]
    if builds and limit_s is not None:
        sparse.append(
            (
                "widget-build-time",
                _record_series(
                    builds,
                    end,
                    span,
                    lambda r: (int(r.build_time_s is not None and r.build_time_s <= limit_s), 1),
                ),
                LATENCY_TARGET,
            )
        )
    cp = policy.ci.pass_rate.critical
    if inp.ci_runs is not None and cp is not None:
        events = pass_events(
            inp.ci_runs,
            now=end,
            window_s=span,
            attempts=policy.ci.attempts,
            branches=policy.ci.branches,
        )
        sparse.append(("ci-pass-rate", event_series(events, end), cp))
    vp = policy.tests.visual_pass_rate.critical
    if vp is not None:

        def visual(r: Record) -> tuple[int, int] | None:
            if r.tests is None or r.tests.visual.passed + r.tests.visual.failed == 0:
                return None
            return r.tests.visual.passed, r.tests.visual.passed + r.tests.visual.failed

        if any(visual(r) is not None for r in records):
            sparse.append(("visual-pass-rate", _record_series(records, end, span, visual), vp))
    for slo_id, series, target in sparse:
        found += _found(
            slo_id,
            series,
            target,
            period,
            DAY,
            HOUR,
            error_budget(target) * DAY_FACTOR,
            n,
            "error ratio > 3 × budget over 1 day",
        )
    return sorted(found, key=lambda i: (i.start, i.slo_id))


# ----------------------------------------------------------------------------- incident issues

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_BOLD_HEADING = re.compile(r"^ {0,3}(?:\*\*|__)(.+?)(?:\*\*|__):?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ROOT_CAUSE = re.compile(r"\b(root[ \t-]*causes?|causes?)\b", re.IGNORECASE)
_REMEDIATION = re.compile(
    r"\b(remediation|remediations|action items?|follow[ \t-]*ups?|fix(es)?|mitigation)\b",
    re.IGNORECASE,
)
_REVIEW = re.compile(
    r"\b(post[ \t-]*incident[ \t-]*review|post[ \t-]*mortem|PIR|review|retro(spective)?)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://[^\s<>)\]]+|(?<![\w/])(?:[\w.-]+/[\w.-]+)?#\d+\b")


def _headings(body: str) -> list[tuple[int, int, str]]:
    """``(line index, level, title)`` of ATX headings and bold-only lines outside code fences."""
    out = []
    fenced = False
    for i, line in enumerate(body.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        m = _HEADING.match(line)
        if m:
            out.append((i, len(m.group(1)), m.group(2).strip()))
            continue
        b = _BOLD_HEADING.match(line)
        if b:
            out.append((i, 7, b.group(1).strip()))
    return out


def section(body: str, title: re.Pattern[str]) -> str | None:
    """The text under the first heading whose title matches, up to the next peer heading."""
    lines = body.splitlines()
    heads = _headings(body)
    for k, (index, level, text) in enumerate(heads):
        if not title.search(text):
            continue
        stop = len(lines)
        for j, lvl, _ in heads[k + 1 :]:
            if lvl <= level or lvl == 7 or level == 7:
                stop = j
                break
        content = "\n".join(lines[index + 1 : stop]).strip()
        if content:
            return content[:SECTION_CHARS] + ("…" if len(content) > SECTION_CHARS else "")
    return None


def review_link(text: str) -> str | None:
    """A link to a post-incident review: on a line that says review/postmortem, or under such
    a heading. Code blocks are ignored."""
    in_section = False
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line) or _BOLD_HEADING.match(line)
        if heading:
            in_section = bool(_REVIEW.search(line))
        link = _LINK.search(line)
        if link and (in_section or _REVIEW.search(line)):
            return link.group(0)
    return None


def parse_incident_issue(issue: IncidentIssueData, now: datetime) -> IncidentIssue:
    """Root cause and remediation sections, and whether a review was linked within 48 hours.

    The body counts as written when the issue was opened (GitHub's REST API does not say when
    a body was edited); comments count at their own time.
    """
    candidates: list[tuple[datetime, str]] = []
    link = review_link(issue.body)
    if link:
        candidates.append((issue.opened_at, link))
    for comment in sorted(issue.comments, key=lambda c: c.created_at):
        link = review_link(comment.body)
        if link:
            candidates.append((comment.created_at, link))
    deadline = _aware(issue.opened_at) + timedelta(seconds=REVIEW_DEADLINE_S)
    state: ReviewState
    at, found = candidates[0] if candidates else (None, None)
    if at is not None and _aware(at) <= deadline:
        state = "linked"
    elif at is not None:
        state = "late"
    elif _aware(now) < deadline:
        state = "pending"
    else:
        state = "missing"
    return IncidentIssue(
        number=issue.number,
        title=issue.title,
        url=issue.url,
        opened_at=issue.opened_at,
        closed_at=issue.closed_at,
        root_cause=section(issue.body, _ROOT_CAUSE),
        remediation=section(issue.body, _REMEDIATION),
        review=state,
        review_link=found,
        review_at=at,
        flagged=state in ("late", "missing"),
    )


# ----------------------------------------------------------------------------- trends and coverage


def _direction(slo: SloPerformance, previous: float | None) -> Direction:
    if slo.value is None or previous is None:
        return "no-data"
    if math.isclose(slo.value, previous, rel_tol=0, abs_tol=1e-9):
        return "same"
    higher_better = slo.comparison == ">="
    return "better" if (slo.value > previous) == higher_better else "worse"


def trends(current: Performance, previous: Performance, previous_label: str) -> Trends:
    """Month-over-month change for every SLO, and the widgets closest to their limit."""
    before = {s.id: s.value for s in previous.slos}
    rows = []
    for slo in current.slos:
        prev = before.get(slo.id)
        change = None if slo.value is None or prev is None else slo.value - prev
        rows.append(
            Trend(
                id=slo.id,
                title=slo.title,
                unit=slo.unit,
                previous=prev,
                current=slo.value,
                change=change,
                direction=_direction(slo, prev),
            )
        )
    worst = []
    if current.bundles is not None:
        for w in current.bundles.widgets:
            if w.last is None:
                continue
            share = None if not w.limit else w.last / w.limit
            worst.append(
                WorstWidget(
                    name=w.name, last=w.last, limit=w.limit, share_of_limit=share, change=w.change
                )
            )
        worst.sort(key=lambda w: (-(w.share_of_limit or 0), -(w.change or 0), w.name))
    return Trends(previous_label=previous_label, slos=rows, worst_widgets=worst[:WORST_WIDGETS])


def _coverage(inp: ReportInput, records: Sequence[Record]) -> Coverage:
    period = inp.period
    tz = zone(period.timezone)
    days = days_of(period)
    n_days = len(days)
    sources = []
    in_period = _records_in(records, period)
    rec_days = {_day_key(r.recorded_at, tz) for r in in_period}
    sources.append(
        SourceCoverage(
            source="history records",
            samples=len(in_period),
            first=in_period[0].recorded_at if in_period else None,
            last=in_period[-1].recorded_at if in_period else None,
            days_with_data=len(rec_days),
            days=n_days,
        )
    )
    m = inp.server.period
    if m is not None:
        points = [d for d in _daily_ratio(m.availability, days) if d.samples]
        starts = [bk.start_s for bk in m.availability.buckets if bk.valid]
        sources.append(
            SourceCoverage(
                source="server logs",
                samples=m.availability.counts(_s(period.start), _s(period.as_of)).valid,
                first=datetime.fromtimestamp(starts[0], UTC) if starts else None,
                last=datetime.fromtimestamp(starts[-1], UTC) if starts else None,
                days_with_data=len(points),
                days=n_days,
            )
        )
    else:
        sources.append(
            SourceCoverage(source="server logs", samples=0, days=n_days, note=inp.server.note)
        )
    if inp.ci_runs is not None:
        runs = [r for r in inp.ci_runs if _in(r.created_at, period.start, period.as_of)]
        run_days = {_day_key(r.created_at, tz) for r in runs}
        sources.append(
            SourceCoverage(
                source="CI runs",
                samples=len(runs),
                first=min((r.created_at for r in runs), default=None),
                last=max((r.created_at for r in runs), default=None),
                days_with_data=len(run_days),
                days=n_days,
            )
        )
    else:
        sources.append(SourceCoverage(source="CI runs", samples=0, days=n_days, note=inp.ci_note))
    elapsed = (period.as_of - period.start).total_seconds() / period.seconds
    gaps = [s for s in sources if s.samples and s.days_with_data < s.days]
    missing = [s for s in sources if not s.samples]
    partial = elapsed < 1 or bool(gaps) or bool(missing)
    notes = []
    if elapsed < 1:
        notes.append(
            f"{period.label} is in progress: {elapsed * 100:.1f} % elapsed "
            f"({n_days} day(s) up to {period.as_of.astimezone(tz):%Y-%m-%d %H:%M %Z})"
        )
    notes += [f"{s.source} cover {s.days_with_data} of {s.days} days" for s in gaps]
    notes += [f"no {s.source}" + (f" ({s.note})" if s.note else "") for s in missing]
    return Coverage(elapsed_share=elapsed, partial=partial, sources=sources, note="; ".join(notes))


# ----------------------------------------------------------------------------- the report


def build_report(inp: ReportInput, previous: Period | None = None) -> Report:
    """The whole report. ``previous`` defaults to the month (or window) before the period."""
    policy = inp.policy
    period = inp.period
    records = report_records(inp.records, policy.ci.branches)
    performance = _performance(inp, period, inp.server.period, records)
    prev = previous or previous_period(period)
    prev_perf = _performance(inp, prev, inp.server.previous, records)
    budgets = _budgets(inp, records)
    issues = None
    if inp.incident_issues is not None:
        issues = [
            parse_incident_issue(i, inp.now)
            for i in sorted(inp.incident_issues, key=lambda i: (i.opened_at, i.number))
            if _in(i.opened_at, period.start, period.end)
        ]
    incidents = Incidents(
        found=find_incidents(inp, period, records),
        issues=issues or [],
        issues_read=issues is not None,
        note="" if issues is not None else inp.issues_note,
    )
    problems = list(inp.problems)
    return Report(
        generated_at=_aware(inp.now),
        period=period,
        coverage=_coverage(inp, records),
        performance=performance,
        budgets=budgets,
        incidents=incidents,
        trends=trends(performance, prev_perf, prev.label),
        alerts=alerts_from_budgets(budgets, policy),
        problems=problems,
    )
