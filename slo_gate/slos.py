"""The SLO catalog: every SLO slo-gate knows, one spec each.

The ids are the JSON contract (DESIGN.md "Contracts"); renderers, step outputs, annotations and
the engine read titles, units, comparisons, where the thresholds live in the policy file and
whether a critical threshold is a hard limit on a change from here, so an SLO is described once.
A new SLO is a new ``SloId`` value, a spec below, and one engine function (``engine/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

SloId = Literal[
    "mcp-availability",
    "mcp-latency-local",
    "mcp-latency-remote",
    "widget-build-time",
    "widget-bundle-size",
    "widget-bundle-total",
    "ci-pass-rate",
    "visual-pass-rate",
    "tests",
]
#: every id, in the order of the step outputs and reports
SLO_IDS: tuple[SloId, ...] = get_args(SloId)

Source = Literal["server", "build_time", "bundles", "ci", "tests"]
Unit = Literal["%", "ms", "s", "bytes", "failing tests"]


@dataclass(frozen=True, slots=True)
class SloSpec:
    """What an SLO is, independent of any measurement."""

    id: SloId
    title: str
    unit: Unit
    comparison: Literal["<=", ">="]
    source: Source
    #: where its thresholds live in the policy file, e.g. ("bundles", "per_widget")
    policy_key: tuple[str, ...]
    #: a critical breach by this change fails the gate (the others pause or warn via budgets)
    hard_limit: bool = False
    #: its error budget: "" when it has none, else what the budget counts
    budget_of: str = ""
    #: the policy thresholds are fractions (×100) or seconds (×1000) of the shown unit
    scale: float = 1.0

    def thresholds(self, policy: object) -> tuple[float | None, float | None]:
        """(warning, critical) of this SLO under a ``config.policy.Policy``, in the SLO's unit.

        The built-in policy's are ``config.builtin.builtin_thresholds``.
        """
        node: object = policy
        for key in self.policy_key:
            node = getattr(node, key)
        node = getattr(node, "p95", node)
        warning = getattr(node, "warning", None)
        critical = getattr(node, "critical", None)
        if self.id == "tests":
            return None, 0.0
        return _scaled(warning, self.scale), _scaled(critical, self.scale)


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


_SPECS = (
    SloSpec(
        "mcp-availability",
        "MCP server availability",
        "%",
        ">=",
        "server",
        ("server", "availability"),
        budget_of="successful requests",
        scale=100,
    ),
    SloSpec(
        "mcp-latency-local",
        "MCP server P95 latency (local)",
        "ms",
        "<=",
        "server",
        ("server", "latency", "local"),
        budget_of="≥ 95 % of requests within the limit",
        scale=1000,
    ),
    SloSpec(
        "mcp-latency-remote",
        "MCP server P95 latency (remote)",
        "ms",
        "<=",
        "server",
        ("server", "latency", "remote"),
        budget_of="≥ 95 % of requests within the limit",
        scale=1000,
    ),
    SloSpec(
        "widget-build-time",
        "Widget build time",
        "s",
        "<=",
        "build_time",
        ("build_time", "p95"),
        hard_limit=True,
        budget_of="≥ 95 % of builds within the limit",
    ),
    SloSpec(
        "widget-bundle-size",
        "Largest widget",
        "bytes",
        "<=",
        "bundles",
        ("bundles", "per_widget"),
        hard_limit=True,
    ),
    SloSpec(
        "widget-bundle-total",
        "All widgets, unique files",
        "bytes",
        "<=",
        "bundles",
        ("bundles", "total"),
        hard_limit=True,
    ),
    SloSpec(
        "ci-pass-rate",
        "CI pass rate",
        "%",
        ">=",
        "ci",
        ("ci", "pass_rate"),
        budget_of="counted runs that passed",
        scale=100,
    ),
    SloSpec(
        "visual-pass-rate",
        "Visual test pass rate",
        "%",
        ">=",
        "tests",
        ("tests", "visual_pass_rate"),
        budget_of="executed visual tests that passed",
        scale=100,
    ),
    SloSpec(
        "tests",
        "Tests",
        "failing tests",
        "<=",
        "tests",
        ("tests", "fail_on_failures"),
        hard_limit=True,
    ),
)

CATALOG: dict[SloId, SloSpec] = {s.id: s for s in _SPECS}
assert tuple(CATALOG) == SLO_IDS, "one spec per id, in the order of SloId"

#: SLOs whose critical threshold is a hard limit on this change (DESIGN.md: "fail")
HARD_LIMITS: frozenset[SloId] = frozenset(s.id for s in _SPECS if s.hard_limit)
#: the limits an accept-increase override (a PR label) turns into audited warnings
BUNDLE_LIMITS: frozenset[SloId] = frozenset(s.id for s in _SPECS if s.source == "bundles")


def spec(slo_id: SloId) -> SloSpec:
    return CATALOG[slo_id]


#: the latency SLO of each request location
LATENCY_IDS: dict[str, SloId] = {"local": "mcp-latency-local", "remote": "mcp-latency-remote"}
