"""Nearest-rank percentiles (DESIGN.md: the ``ceil(p*n)``-th smallest value)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def nearest_rank(values: Sequence[float], p: float) -> float | None:
    """The ``ceil(p*n)``-th smallest value (1-based); ``None`` for no values.

    ``p`` is a fraction in (0, 1]; ``p = 0`` gives the smallest value.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"percentile must lie in [0, 1], got {p}")
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(round(p * len(ordered), 9)))
    return ordered[rank - 1]
