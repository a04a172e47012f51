"""Formatting shared by the report renderers (Markdown and HTML) and Mermaid charts. Pure.

Both renderers say the same numbers the same way because they format them here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slo_gate.config.units import format_duration
from slo_gate.formatting import fmt_bytes, short_bytes
from slo_gate.report_model import (
    DailyPoint,
    Report,
    SloPerformance,
)

ICONS = {
    "pass": "✅",
    "warn": "⚠️",
    "fail": "❌",
    "no-data": "➖",
    "ok": "✅",
    "pause": "⏸️",
    "rollback": "⏪",
    "insufficient-data": "➖",
    "better": "↗️ better",
    "worse": "↘️ worse",
    "same": "→ same",
    "linked": "✅ linked in time",
    "late": "⚠️ linked after 48 h",
    "missing": "❌ no review linked within 48 h",
    "pending": "⏳ 48 h not over",
}
_SAFE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~/%#?&=+-]*$")
MAX_SECTION_CELL = 300


# ----------------------------------------------------------------------------- formatting


def fmt_number(value: float | None, unit: str) -> str:
    """A value in its unit: % with 3 decimals, ms and bytes exact, durations readable."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.3f} %"
    if unit == "ms":
        return f"{value:g} ms"
    if unit == "s":
        return format_duration(round(value, 3))
    if unit == "bytes":
        return fmt_bytes(value)
    return f"{value:g} {unit}"


def fmt_change(value: float | None, unit: str) -> str:
    """A signed change: percentage points for rates, bytes exact, durations in seconds."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    size = abs(value)
    if unit == "%":
        return f"{sign}{size:.3f} pp"
    if unit == "bytes":
        return f"{sign}{short_bytes(size)} ({sign}{int(size):,} B)"
    if unit == "s":
        return f"{sign}{size:g} s"
    return f"{sign}{size:g} {unit}"


def fmt_share(ratio: float | None, digits: int = 1) -> str:
    return "–" if ratio is None else f"{ratio * 100:.{digits}f} %"


def fmt_eta(seconds: float | None) -> str:
    """Time to exhaustion: "not burning" when None, "exhausted" at 0, else days and hours."""
    if seconds is None:
        return "not burning"
    if seconds <= 0:
        return "exhausted"
    days, rest = divmod(int(seconds), 86400)
    hours = rest // 3600
    return f"{days} d {hours} h" if days else f"{hours} h {rest % 3600 // 60} min"


def fmt_time(moment: datetime | None, tz: str) -> str:
    """A time in the report's time zone, with the zone's abbreviation."""
    if moment is None:
        return "–"
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


def safe_url(url: str) -> str | None:
    """An https URL without spaces, quotes or brackets, else None (the text is shown instead)."""
    return url if _SAFE_URL.match(url) else None


def period_title(report: Report) -> str:
    p = report.period
    if p.kind == "month":
        return f"{p.start.astimezone(ZoneInfo(p.timezone)):%B %Y} ({p.label})"
    return f"rolling {p.label}"


def slo_limits(slo: SloPerformance) -> str:
    sign = "≥" if slo.comparison == ">=" else "≤"
    return "–" if slo.target is None else f"{sign} {fmt_number(slo.target, slo.unit)}"


# ----------------------------------------------------------------------------- Mermaid


def _axis_range(values: Sequence[float], extra: Sequence[float]) -> tuple[float, float]:
    every = [*values, *extra]
    lo, hi = min(every), max(every)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.01 or 1.0
    return lo - pad, hi + pad


def _num(value: float) -> str:
    return f"{value:.6g}"


def mermaid_chart(
    title: str,
    y_label: str,
    lines: Sequence[Sequence[DailyPoint]],
    *,
    bar: bool = False,
    reference: float | None = None,
) -> list[str]:
    """An ``xychart-beta`` of daily values; days without data in every series are left out.

    Mermaid has no gaps in a line, so a day missing from one series but not another repeats
    that series' previous value (said in the caption). ``reference`` draws the limit as a flat
    line. Titles and labels are slo-gate's own words (no user text reaches the chart).
    """
    days = [p.day for p in lines[0]] if lines else []
    keep = [i for i, _ in enumerate(days) if any(s[i].value is not None for s in lines)]
    if not keep:
        return []
    series: list[list[float]] = []
    for s in lines:
        last: float | None = next((s[i].value for i in keep if s[i].value is not None), None)
        row = []
        for i in keep:
            value = s[i].value
            last = value if value is not None else last
            row.append(last if last is not None else 0.0)
        series.append(row)
    flat = [v for row in series for v in row]
    cut = 8 if days[keep[0]][:7] == days[keep[-1]][:7] else 5  # "07", or "10-07" across months
    lo, hi = _axis_range(flat, [reference] if reference is not None else [])
    out = [
        "```mermaid",
        "xychart-beta",
        f'    title "{title}"',
        "    x-axis [" + ", ".join(f'"{days[i][cut:]}"' for i in keep) + "]",
        f'    y-axis "{y_label}" {_num(lo)} --> {_num(hi)}',
    ]
    kind = "bar" if bar else "line"
    out += [f"    {kind} [" + ", ".join(_num(v) for v in row) + "]" for row in series]
    if reference is not None:
        out.append("    line [" + ", ".join(_num(reference) for _ in keep) + "]")
    out.append("```")
    return out
