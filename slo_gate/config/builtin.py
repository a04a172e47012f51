"""The built-in policy: the SLO document's numbers, as every SLO's default thresholds."""

from __future__ import annotations

from slo_gate.config.policy import Policy
from slo_gate.slos import SloId, spec


def builtin_thresholds(slo_id: SloId) -> tuple[float | None, float | None]:
    """The built-in policy's (warning, critical) of an SLO, in the SLO's unit."""
    return spec(slo_id).thresholds(Policy())
