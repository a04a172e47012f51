"""Number formatting for the engine's reasons and the renderers.

Exact bytes stand beside humanized figures.
"""

from __future__ import annotations

import humanize

from slo_gate.config.units import UNIT_RULE, format_duration

__all__ = [
    "UNIT_RULE",
    "counted",
    "fmt_bytes",
    "fmt_delta",
    "fmt_percent",
    "fmt_value",
    "is_are",
    "short_bytes",
]


def short_bytes(n: float) -> str:
    """``245.1 KB`` (decimal units: KB = 1000 bytes)."""
    text: str = humanize.naturalsize(n, format="%.1f")
    return text.replace("kB", "KB").replace("Bytes", "B").replace("Byte", "B")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 file``, ``3 files``: a count with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def is_are(n: int) -> str:
    """The verb for ``counted(n, …)``: ``1 record is``, ``2 records are``."""
    return "is" if n == 1 else "are"


def fmt_bytes(n: float) -> str:
    """``245.1 KB (245,123 B)``: rounded figure and exact bytes side by side (below 1 KB the
    figure is exact already: ``826 B``)."""
    if abs(n) < 1000:
        return f"{int(n)} B"
    return f"{short_bytes(n)} ({int(n):,} B)"


def fmt_delta(n: int | None) -> str:
    if n is None:
        return "–"
    if n == 0:
        return "±0 B"
    sign = "+" if n > 0 else "−"
    if abs(n) < 1000:
        return f"{sign}{abs(n)} B"
    return f"{sign}{short_bytes(abs(n))} ({sign}{abs(n):,} B)"


def fmt_percent(ratio: float, digits: int = 2) -> str:
    return f"{ratio * 100:.{digits}f} %"


def fmt_value(value: float | None, unit: str) -> str:
    """A value in its unit, the way people read it."""
    if value is None:
        return "–"
    if unit == "bytes":
        return fmt_bytes(value)
    if unit == "ratio":
        return fmt_percent(value)
    if unit == "%":
        return f"{value:.2f} %"
    if unit == "seconds":
        return format_duration(value)
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "failing tests":
        return counted(round(value), "failing test")
    return f"{value:g} {unit}"
