"""Inline SVG line charts for the HTML report: numbers and day labels only, no user text. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence

from slo_gate.render.axis import LIMIT_COLOR, PALETTE, nice_axis
from slo_gate.render.escape import html_text
from slo_gate.report_model import DailyPoint


def _fmt_axis(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1000:,.4g} KB"
    if unit == "%":
        return f"{value:.4g} %"
    return f"{value:.4g}"


def svg_chart(
    title: str,
    unit: str,
    series: Sequence[tuple[str, Sequence[DailyPoint]]],
    *,
    reference: float | None = None,
    reference_label: str = "limit",
    bar: bool = False,
    width: int = 760,
    height: int = 240,
) -> str:
    """A line (or bar) chart of daily values; days without a value leave a gap in the line."""
    values = [p.value for _, pts in series for p in pts if p.value is not None]
    if not values or not series:
        return ""
    days = [p.day for p in series[0][1]]
    extra = [reference] if reference is not None else []
    axis = nice_axis(values, extra, ratio=unit == "%", bar=bar)
    lo, hi = axis.lo, axis.hi
    left, right, top, bottom = 80, 16, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(days))

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{html_text(title)}">',
        f"<title>{html_text(title)}</title>",
        f'<text x="{left}" y="16" font-size="13" font-weight="600">{html_text(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#8c959f"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#8c959f"/>',
    ]
    for v in axis.ticks:
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{html_text(_fmt_axis(v, unit))}</text>"
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" '
            'stroke="#eaeef2"/>'
        )
    every = max(1, math.ceil(len(days) / max(2, plot_w // 56)))  # labels ~56 px apart
    for i, day in enumerate(days):
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 14}" font-size="11" text-anchor="middle">'
                f"{html_text(day[5:])}</text>"
            )
    if reference is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(reference):.1f}" x2="{left + plot_w}" '
            f'y2="{y(reference):.1f}" stroke="{LIMIT_COLOR}" stroke-dasharray="6 4"/>'
        )
    for k, (_, points) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        if bar:
            w = step * 0.8 / len(series)
            for i, p in enumerate(points):
                if p.value is not None:
                    bx = x(i) - step * 0.4 + k * w
                    parts.append(
                        f'<rect x="{bx:.1f}" y="{y(p.value):.1f}" width="{w:.1f}" '
                        f'height="{max(0.0, top + plot_h - y(p.value)):.1f}" fill="{color}"/>'
                    )
            continue
        segment: list[str] = []
        for i, p in enumerate([*points, DailyPoint(day="", value=None)]):
            if p.value is not None:
                segment.append(f"{x(i):.1f},{y(p.value):.1f}")
                continue
            if len(segment) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                    f'points="{" ".join(segment)}"/>'
                )
            elif segment:
                cx, cy = segment[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
            segment = []
    parts.append("</svg>")
    legend = ""
    if len(series) > 1 or reference is not None:
        items = [
            f'<span style="color:{PALETTE[k % len(PALETTE)]}">■</span> {html_text(name)}'
            for k, (name, _) in enumerate(series)
        ]
        if reference is not None:
            items.append(
                f'<span style="color:{LIMIT_COLOR}">┄</span> {html_text(reference_label)} '
                + html_text(_fmt_axis(reference, unit))
            )
        legend = '<p class="muted">' + " · ".join(items) + "</p>"
    return "".join(parts) + legend
