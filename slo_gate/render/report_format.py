"""Formatting shared by the report renderers (Markdown and HTML) and Mermaid charts. Pure.

Both renderers say the same numbers the same way because they format them here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slo_gate.config.units import format_duration
from slo_gate.formatting import fmt_bytes, short_bytes
from slo_gate.render.axis import COLOR_NAMES, LIMIT_COLOR, PALETTE, nice_axis
from slo_gate.render.escape import md_text
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


def _num(value: float) -> str:
    return f"{value:.6g}"


def _kb(value: float | None) -> float | None:
    return None if value is None else value / 1000


def mermaid_chart(
    title: str,
    y_label: str,
    lines: Sequence[Sequence[DailyPoint]],
    *,
    bar: bool = False,
    reference: float | None = None,
    names: Sequence[str] = (),
) -> list[str]:
    """An ``xychart-beta`` of daily values, then a line naming each series by its colour.

    Days without data in every series are left out; Mermaid has no gaps in a line, so a day
    missing from one series repeats that series' previous value. ``reference`` draws the limit
    as a red flat line. Byte values are drawn in KB; % axes stay within 0–100; bars start at
    zero; ticks fall on round values. The palette reads on light and dark themes. Inside the
    chart only slo-gate's own words appear; ``names`` (which may be widget names) are escaped
    in the caption below it.
    """
    days = [p.day for p in lines[0]] if lines else []
    keep = [i for i, _ in enumerate(days) if any(s[i].value is not None for s in lines)]
    if not keep:
        return []
    in_kb = y_label == "bytes"
    series: list[list[float]] = []
    for s in lines:
        values = [_kb(p.value) if in_kb else p.value for p in s]
        last: float | None = next((values[i] for i in keep if values[i] is not None), None)
        row = []
        for i in keep:
            last = values[i] if values[i] is not None else last
            row.append(last if last is not None else 0.0)
        series.append(row)
    limit = _kb(reference) if in_kb else reference
    flat = [v for row in series for v in row]
    cut = 8 if days[keep[0]][:7] == days[keep[-1]][:7] else 5  # "07", or "10-07" across months
    axis = nice_axis(flat, [limit] if limit is not None else [], ratio=y_label == "%", bar=bar)
    colors = [PALETTE[k % len(PALETTE)] for k in range(len(series))]
    colors += [LIMIT_COLOR] if limit is not None else []
    palette = json.dumps({"themeVariables": {"xyChart": {"plotColorPalette": ", ".join(colors)}}})
    out = [
        "```mermaid",
        f"%%{{init: {palette}}}%%",
        "xychart-beta",
        f'    title "{title}"',
        "    x-axis [" + ", ".join(f'"{days[i][cut:]}"' for i in keep) + "]",
        f'    y-axis "{"KB" if in_kb else y_label}" {_num(axis.lo)} --> {_num(axis.hi)}',
    ]
    kind = "bar" if bar else "line"
    out += [f"    {kind} [" + ", ".join(_num(v) for v in row) + "]" for row in series]
    if limit is not None:
        out.append("    line [" + ", ".join(_num(limit) for _ in keep) + "]")
    out.append("```")
    return [*out, *_legend(names, colors, reference, y_label)]


def _legend(
    names: Sequence[str], colors: Sequence[str], reference: float | None, unit: str
) -> list[str]:
    items = [f"{COLOR_NAMES[c]}: {md_text(n)}" for n, c in zip(names, colors, strict=False)]
    if reference is not None:
        items.append(f"red: the limit, {fmt_number(reference, unit)}")
    return ["", "Lines: " + "; ".join(items) + "."] if items else []
