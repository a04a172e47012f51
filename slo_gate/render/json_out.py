"""The verdict as JSON (the contract of DESIGN.md; schema: ``slo-gate schema verdict``)."""

from __future__ import annotations

from slo_gate.verdict import Verdict


def render_json(verdict: Verdict) -> str:
    return verdict.model_dump_json(indent=2) + "\n"
