"""30-day trends for the job summary: Mermaid charts of the history records, one point a day.

Pure: the records, the policy's bundle limit and "now" come in as arguments. Each day shows the
last record of that day; days without a record repeat nothing (they are left out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from slo_gate.config.policy import Policy
from slo_gate.records import Record
from slo_gate.render.report_format import mermaid_chart
from slo_gate.report_model import DailyPoint

DAYS = 30


def _daily(
    records: Sequence[Record], now: datetime, pick: Callable[[Record], float | None]
) -> list[DailyPoint]:
    start = (now - timedelta(days=DAYS - 1)).date()
    by_day: dict[str, float] = {}
    for record in sorted(records, key=lambda r: r.recorded_at):
        value = pick(record)
        if value is not None and start <= record.recorded_at.date() <= now.date():
            by_day[record.recorded_at.date().isoformat()] = value
    days = [(start + timedelta(days=i)).isoformat() for i in range(DAYS)]
    return [DailyPoint(day=d, value=by_day.get(d), samples=int(d in by_day)) for d in days]


def _largest(record: Record) -> float | None:
    if record.bundles is None or not record.bundles.widgets:
        return None
    return float(max(w.gzip for w in record.bundles.widgets.values()))


def _total(record: Record) -> float | None:
    return None if record.bundles is None else float(record.bundles.total.gzip)


def _build_s(record: Record) -> float | None:
    return record.build_time_s


def _visual_pct(record: Record) -> float | None:
    if record.tests is None:
        return None
    rate = record.tests.visual.pass_rate
    return None if rate is None else rate * 100


def trend_charts(
    records: Sequence[Record],
    now: datetime,
    widget_limit_bytes: int | None = None,
    build_limit_s: float | None = None,
    total_limit_bytes: int | None = None,
    visual_target_pct: float | None = None,
) -> str:
    """Markdown with up to four charts; empty when the history has nothing to draw."""
    charts: list[tuple[str, list[str]]] = [
        (
            "Largest widget, gzip (KB), with its limit",
            mermaid_chart(
                "Largest widget (KB gzip)",
                "bytes",
                [_daily(records, now, _largest)],
                reference=widget_limit_bytes,
                names=["largest widget"],
            ),
        ),
        (
            "All widgets, unique files, gzip (KB)",
            mermaid_chart(
                "Total (KB gzip)",
                "bytes",
                [_daily(records, now, _total)],
                reference=total_limit_bytes,
                names=["all widgets, unique files"],
            ),
        ),
        (
            "Build time (s), with its limit",
            mermaid_chart(
                "Build time (s)",
                "s",
                [_daily(records, now, _build_s)],
                reference=build_limit_s,
                names=["build time"],
            ),
        ),
        (
            "Visual pass rate (%)",
            mermaid_chart(
                "Visual pass rate (%)",
                "%",
                [_daily(records, now, _visual_pct)],
                reference=visual_target_pct,
                names=["visual pass rate"],
            ),
        ),
    ]
    drawn = [(caption, chart) for caption, chart in charts if chart]
    if not drawn:
        return ""
    lines = [f"### Trends: the last {DAYS} days of history", ""]
    for caption, chart in drawn:
        lines += [f"{caption}:", "", *chart, ""]
    return "\n".join(lines)


def policy_trends(records: Sequence[Record], now: datetime, policy: Policy) -> str:
    """The 30-day charts with every limit the policy sets (the job summary, ``--markdown``)."""
    visual = policy.tests.visual_pass_rate.critical
    return trend_charts(
        records,
        now,
        widget_limit_bytes=policy.bundles.per_widget.critical,
        build_limit_s=policy.build_time.p95.critical,
        total_limit_bytes=policy.bundles.total.critical,
        visual_target_pct=None if visual is None else visual * 100,
    )
