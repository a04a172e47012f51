"""Windows of time an SLO is computed over, and sliding windows that breach a rule. Pure.

The gate computes each SLO over the window that ends at "now" (``Span.ending``); the monthly
report computes the same SLO, with the same function, over a calendar month or any other span.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from slo_gate.config.units import format_duration

if TYPE_CHECKING:  # the event series: runs with tests, CI, build or server data bring them
    from slo_gate.events import RatioSeries, WindowCounts


def window_label(seconds: float) -> str:
    """``30d``, ``7d``, ``12h``, ``5min``: the way the policy writes a window, without spaces."""
    return format_duration(seconds).replace(" ", "")


@dataclass(frozen=True, slots=True)
class Span:
    """The window ``(start, end]`` an SLO value is computed over, and how to name it.

    Ratio series count the buckets whose start lies in ``[start_s, end_s)``; runs and records
    count when ``start < at <= end``. Budgets are always computed at ``end`` over the policy's
    budget window, whatever the span.
    """

    start: datetime
    end: datetime
    label: str

    @classmethod
    def ending(cls, now: datetime, seconds: float, label: str | None = None) -> Span:
        """The window of ``seconds`` that ends at ``now``, named like the policy names it."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        end = datetime.fromtimestamp(math.floor(now.timestamp()), UTC)
        start = end - timedelta(seconds=math.floor(seconds))
        return cls(start, end, label if label is not None else window_label(seconds))

    @property
    def start_s(self) -> int:
        return math.floor(self.start.timestamp())

    @property
    def end_s(self) -> int:
        return math.floor(self.end.timestamp())

    @property
    def seconds(self) -> float:
        return float(self.end_s - self.start_s)

    def holds(self, moment: datetime) -> bool:
        """``start < moment <= end`` (a naive time is UTC)."""
        at = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return self.start < at <= self.end


Breach = Callable[["WindowCounts"], bool]


def breaching_runs(
    series: RatioSeries, start_s: int, end_s: int, window_s: int, step_s: int, breach: Breach
) -> list[list[tuple[int, WindowCounts]]]:
    """Windows of ``window_s`` sliding by ``step_s`` inside ``[start_s, end_s)`` that breach,
    grouped into runs of overlapping windows: each run lists ``(window start, counts)``."""
    runs: list[list[tuple[int, WindowCounts]]] = []
    run_end = -1
    begin = start_s
    while begin + window_s <= end_s:
        counts = series.counts(begin, begin + window_s)
        if breach(counts):
            if runs and begin <= run_end:
                runs[-1].append((begin, counts))
            else:
                runs.append([(begin, counts)])
            run_end = begin + window_s
        begin += step_s
    return runs
