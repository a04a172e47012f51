"""Warning/critical classification, shared by every SLO."""

from __future__ import annotations

from slo_gate.verdict import Status


def upper_status(value: float | None, warning: float | None, critical: float | None) -> Status:
    """For limits that must not be exceeded (sizes, durations): > critical fails."""
    if value is None:
        return "no-data"
    if critical is not None and value > critical:
        return "fail"
    if warning is not None and value > warning:
        return "warn"
    return "pass"


def lower_status(value: float | None, warning: float | None, critical: float | None) -> Status:
    """For rates that must not drop (pass rates, availability): < critical fails."""
    if value is None:
        return "no-data"
    if critical is not None and value < critical:
        return "fail"
    if warning is not None and value < warning:
        return "warn"
    return "pass"
