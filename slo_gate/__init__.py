"""slo-gate: turn Service Level Objectives into a CI release gate."""

__version__ = "0.1.0"
