"""The SLO catalog: one spec per id, thresholds read from the policy, the built-in numbers."""

from __future__ import annotations

import pytest

from slo_gate.config.builtin import builtin_thresholds
from slo_gate.config.policy import Policy, ServerPolicy
from slo_gate.config.units import parse_duration
from slo_gate.slos import BUNDLE_LIMITS, CATALOG, HARD_LIMITS, SLO_IDS, SloId, spec
from slo_gate.verdict import Slo

#: the SLO document's table (SLOS.md) in each SLO's unit: (warning, critical)
BUILT_IN: dict[SloId, tuple[float | None, float | None]] = {
    "mcp-availability": (99.8, 99.5),
    "mcp-latency-local": (400.0, 500.0),
    "mcp-latency-remote": (1200.0, 1500.0),
    "widget-build-time": (240.0, 300.0),
    "widget-bundle-size": (240_000, 250_000),
    "widget-bundle-total": (None, 1_000_000),
    "ci-pass-rate": (97.0, 95.0),
    "visual-pass-rate": (97.0, 95.0),
    "tests": (None, 0.0),
}


@pytest.mark.parametrize("slo_id", SLO_IDS)
def test_built_in_thresholds_are_the_slo_documents(slo_id: SloId) -> None:
    warning, critical = builtin_thresholds(slo_id)
    expected = BUILT_IN[slo_id]
    assert warning == pytest.approx(expected[0]) if expected[0] is not None else warning is None
    assert critical == pytest.approx(expected[1])


def test_thresholds_follow_the_policy() -> None:
    remote = {"p95": {"warning": parse_duration("2 s"), "critical": parse_duration("3 s")}}
    policy = Policy(server=ServerPolicy.model_validate({"latency": {"remote": remote}}))
    assert spec("mcp-latency-remote").thresholds(policy) == pytest.approx((2000.0, 3000.0))


def test_catalog_is_complete_and_ordered() -> None:
    assert tuple(CATALOG) == SLO_IDS
    assert len(set(SLO_IDS)) == 9
    assert {
        "widget-bundle-size",
        "widget-bundle-total",
        "widget-build-time",
        "tests",
    } == HARD_LIMITS
    assert {"widget-bundle-size", "widget-bundle-total"} == BUNDLE_LIMITS
    assert all(CATALOG[i].budget_of == "" for i in HARD_LIMITS - {"widget-build-time"})


def test_verdict_ids_are_the_catalogs() -> None:
    with pytest.raises(ValueError, match="mcp-availability"):
        Slo.model_validate(
            {"id": "made-up", "status": "pass", "value": 1, "unit": "%", "target": 1}
        )
