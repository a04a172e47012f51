"""SLO-violating periods found in the data, for the monthly report. Pure.

A period is a run of sliding windows whose error ratio breaks a rule (``INCIDENT_RULES``):

- latency: SLOS.md's "> 10 % of requests slower than the target over 1 hour";
- availability: the SRE workbook's page rule, 2 % of a 30-day budget in one hour (a burn rate
  ≥ 14.4 over 1 h);
- CI, build time and visual tests, whose events are sparse: a burn rate ≥ 3 over 1 day (10 % of
  a 30-day budget).

Overlapping windows merge; each period is then trimmed to its first and last bad event bucket,
and its consumed budget is bad / (B · valid events of the span).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from slo_gate.config.policy import Policy
from slo_gate.engine.budget import error_budget
from slo_gate.engine.ci import event_series, pass_events
from slo_gate.engine.server import LATENCY_TARGET, LOCATIONS, SLOW_SHARE, counted_against
from slo_gate.engine.window import Breach, Span, breaching_runs
from slo_gate.events import RatioSeries, ServerMeasurement, WindowCounts
from slo_gate.measurements import VisualCounts
from slo_gate.report_model import DataIncident
from slo_gate.runs import BuildSample, RunSummary
from slo_gate.slos import LATENCY_IDS, SloId

HOUR = 3600
DAY = 86400
PAGE_FACTOR = Fraction("14.4")  # 2 % of a 30-day budget in 1 hour (SRE workbook)
DAY_FACTOR = Fraction(3)  # 10 % of a 30-day budget in 1 day
BUILD_TARGET = 0.95  # "≥ 95 % of builds within the limit"


@dataclass(frozen=True)
class IncidentData:
    """What incidents are looked for in: the span's data of each SLO (None: not read)."""

    server: ServerMeasurement | None = None
    builds: Sequence[BuildSample] = ()
    ci_runs: Sequence[RunSummary] | None = None
    visual: Sequence[tuple[datetime, VisualCounts]] = ()


def breaching_periods(
    series: RatioSeries, start_s: int, end_s: int, window_s: int, step_s: int, breach: Breach
) -> list[tuple[int, int]]:
    """Breaching sliding windows merged, each trimmed to its first and last bad bucket, so it
    says when the trouble was, not when the first breaching window began."""
    starts = [bk.start_s for bk in series.buckets]
    trimmed = []
    for run in breaching_runs(series, start_s, end_s, window_s, step_s, breach):
        a, b = run[0][0], run[-1][0] + window_s
        inside = series.buckets[bisect_left(starts, a) : bisect_left(starts, b)]
        bad = [bk for bk in inside if bk.bad]
        if bad:
            trimmed.append((bad[0].start_s, bad[-1].start_s + series.bucket_s))
    return trimmed


def _breach_rule(limit: Fraction, min_events: int) -> Breach:
    def breach(c: WindowCounts) -> bool:
        return c.valid > 0 and c.valid >= min_events and Fraction(c.bad, c.valid) > limit

    return breach


@dataclass(frozen=True)
class _Rule:
    window_s: int
    step_s: int
    share: Fraction
    text: str


def _found(
    slo_id: SloId, series: RatioSeries, target: float, span: Span, rule: _Rule, min_events: int
) -> list[DataIncident]:
    b = error_budget(target)
    valid_span = series.counts(span.start_s, span.end_s).valid
    out = []
    breach = _breach_rule(rule.share, min_events)
    for a, z in breaching_periods(
        series, span.start_s, span.end_s, rule.window_s, rule.step_s, breach
    ):
        c = series.counts(a, z)
        consumed = 0.0 if valid_span == 0 or b == 0 else float(c.bad / (b * valid_span))
        out.append(
            DataIncident(
                slo_id=slo_id,
                start=datetime.fromtimestamp(a, UTC),
                end=datetime.fromtimestamp(z, UTC),
                bad=c.bad,
                valid=c.valid,
                budget_consumed=consumed,
                rule=rule.text,
            )
        )
    return out


def _server(m: ServerMeasurement, policy: Policy, span: Span) -> list[DataIncident]:
    n = policy.budget.min_events
    found: list[DataIncident] = []
    target = policy.server.availability.critical
    if target is not None:
        share = error_budget(target) * PAGE_FACTOR
        rule = _Rule(HOUR, m.availability.bucket_s, share, "error ratio > 14.4 × budget over 1 h")
        found += _found("mcp-availability", m.availability, target, span, rule, n)
    for location in LOCATIONS:
        measured = m.latency.get(location)
        limit = getattr(policy.server.latency, location).p95.critical
        if measured is None or limit is None or not counted_against(measured, limit):
            continue
        text = f"> 10 % of requests slower than {limit * 1000:g} ms over 1 h"
        rule = _Rule(HOUR, measured.series.bucket_s, SLOW_SHARE, text)
        found += _found(LATENCY_IDS[location], measured.series, LATENCY_TARGET, span, rule, n)
    return found


def _sparse(
    data: IncidentData, policy: Policy, span: Span
) -> list[tuple[SloId, RatioSeries, float]]:
    out: list[tuple[SloId, RatioSeries, float]] = []
    end_s = span.end_s
    limit_s = policy.build_time.p95.critical
    builds = [b for b in data.builds if span.holds(b.at)]
    if builds and limit_s is not None:
        events = [(b.at.timestamp(), int(b.seconds <= limit_s), 1) for b in builds]
        out.append(("widget-build-time", RatioSeries.from_events(events, end_s), BUILD_TARGET))
    cp = policy.ci.pass_rate.critical
    if data.ci_runs is not None and cp is not None:
        events_ci = pass_events(
            data.ci_runs,
            now=span.end,
            window_s=span.seconds,
            attempts=policy.ci.attempts,
            branches=policy.ci.branches,
        )
        out.append(("ci-pass-rate", event_series(events_ci, span.end), cp))
    vp = policy.tests.visual_pass_rate.critical
    visual = [
        (at.timestamp(), c.passed, c.passed + c.failed)
        for at, c in data.visual
        if span.holds(at) and c.passed + c.failed > 0
    ]
    if vp is not None and visual:
        out.append(("visual-pass-rate", RatioSeries.from_events(visual, end_s), vp))
    return out


def find_incidents(data: IncidentData, policy: Policy, span: Span) -> list[DataIncident]:
    """SLO-violating periods in the span's data (rules in the module docstring)."""
    found = _server(data.server, policy, span) if data.server and not data.server.no_data else []
    for slo_id, series, target in _sparse(data, policy, span):
        share = error_budget(target) * DAY_FACTOR
        rule = _Rule(DAY, HOUR, share, "error ratio > 3 × budget over 1 day")
        found += _found(slo_id, series, target, span, rule, policy.budget.min_events)
    return sorted(found, key=lambda i: (i.start, i.slo_id))
