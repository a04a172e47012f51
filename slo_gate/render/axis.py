"""Chart axes people can read: round tick values, bars from zero, ratios within 0–100 %. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: line colours that read on GitHub's light and dark themes; the limit is always red
PALETTE = ("#1f6feb", "#bf8700", "#1a7f37", "#8250df", "#0e8a8a", "#bc4c00", "#6e7781")
LIMIT_COLOR = "#cf222e"
COLOR_NAMES = {
    "#1f6feb": "blue",
    "#bf8700": "yellow",
    "#1a7f37": "green",
    "#8250df": "purple",
    "#0e8a8a": "teal",
    "#bc4c00": "orange",
    "#6e7781": "grey",
}


@dataclass(frozen=True, slots=True)
class Axis:
    lo: float
    hi: float
    ticks: tuple[float, ...]


def _step(span: float, target_ticks: int = 5) -> float:
    raw = span / max(1, target_ticks - 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mult * power >= raw:
            return mult * power
    return 10.0 * power


def nice_axis(
    values: Sequence[float], extra: Sequence[float] = (), *, ratio: bool = False, bar: bool = False
) -> Axis:
    """An axis covering ``values`` and ``extra`` (limits) with round ticks.

    Bars start at zero (a bar's length is its value); ratios in % stay within 0–100.
    """
    every = [v for v in (*values, *extra) if math.isfinite(v)]
    lo, hi = (min(every), max(every)) if every else (0.0, 1.0)
    if bar:
        lo = min(lo, 0.0)
    if hi == lo:
        hi, lo = hi + (abs(hi) * 0.1 or 1.0), lo - (0.0 if bar else abs(lo) * 0.1 or 1.0)
    step = _step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    if ratio:
        lo, hi = max(0.0, lo), min(100.0, hi)
        if hi <= lo:
            lo, hi = max(0.0, hi - step), min(100.0, lo + step)
    count = round((hi - lo) / step)
    ticks = tuple(round(lo + i * step, 10) for i in range(count + 1) if lo + i * step <= hi + 1e-9)
    return Axis(lo, hi, ticks)
