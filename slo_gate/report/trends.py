"""Month-over-month trends and how much of the period each source covers. Pure composition."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from slo_gate.events import ServerMeasurement
from slo_gate.formatting import counted
from slo_gate.records import Record
from slo_gate.report.performance import Days, daily_ratio
from slo_gate.report.periods import day_key, day_spans, in_period, zone
from slo_gate.report_model import (
    Coverage,
    Direction,
    Performance,
    Period,
    SloPerformance,
    SourceCoverage,
    Trend,
    Trends,
    WorstWidget,
)
from slo_gate.runs import RunSummary

WORST_WIDGETS = 5


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


def coverage(
    period: Period,
    records: Sequence[Record],
    server: ServerMeasurement | None,
    ci_runs: Sequence[RunSummary] | None,
    notes: tuple[str, str],
) -> Coverage:
    """Days with data per source; a month in progress or with gaps is partial."""
    tz = zone(period.timezone)
    days = day_spans(period)
    n_days = len(days)
    server_note, ci_note = notes
    sources = []
    kept = [r for r in records if in_period(r.recorded_at, period.start, period.as_of)]
    rec_days = {day_key(r.recorded_at, tz) for r in kept}
    sources.append(
        SourceCoverage(
            source="history records",
            samples=len(kept),
            first=kept[0].recorded_at if kept else None,
            last=kept[-1].recorded_at if kept else None,
            days_with_data=len(rec_days),
            days=n_days,
        )
    )
    sources.append(_server_coverage(period, server, days, server_note))
    if ci_runs is not None:
        runs = [r for r in ci_runs if in_period(r.created_at, period.start, period.as_of)]
        run_days = {day_key(r.created_at, tz) for r in runs}
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
        sources.append(SourceCoverage(source="CI runs", samples=0, days=n_days, note=ci_note))
    return _summary(period, sources, n_days)


def _server_coverage(
    period: Period, m: ServerMeasurement | None, days: Days, note: str
) -> SourceCoverage:
    if m is None:
        return SourceCoverage(source="server logs", samples=0, days=len(days), note=note)
    points = [d for d in daily_ratio(m.availability, days) if d.samples]
    starts = [bk.start_s for bk in m.availability.buckets if bk.valid]
    start_s, end_s = math.floor(period.start.timestamp()), math.floor(period.as_of.timestamp())
    return SourceCoverage(
        source="server logs",
        samples=m.availability.counts(start_s, end_s).valid,
        first=datetime.fromtimestamp(starts[0], UTC) if starts else None,
        last=datetime.fromtimestamp(starts[-1], UTC) if starts else None,
        days_with_data=len(points),
        days=len(days),
    )


def _summary(period: Period, sources: list[SourceCoverage], n_days: int) -> Coverage:
    tz = zone(period.timezone)
    elapsed = (period.as_of - period.start).total_seconds() / period.seconds
    gaps = [s for s in sources if s.samples and s.days_with_data < s.days]
    missing = [s for s in sources if not s.samples]
    partial = elapsed < 1 or bool(gaps) or bool(missing)
    notes = []
    if elapsed < 1:
        notes.append(
            f"{period.label} is in progress: {elapsed * 100:.1f} % elapsed "
            f"({counted(n_days, 'day')} up to {period.as_of.astimezone(tz):%Y-%m-%d %H:%M %Z})"
        )
    notes += [f"{s.source} cover {s.days_with_data} of {s.days} days" for s in gaps]
    notes += [f"no {s.source}" + (f" ({s.note})" if s.note else "") for s in missing]
    return Coverage(elapsed_share=elapsed, partial=partial, sources=sources, note="; ".join(notes))
