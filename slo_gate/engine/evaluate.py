"""The engine's entry point: measurements + policy + history + now -> one Verdict.

Pure: no I/O, no clock, no environment. The same inputs always give the same verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from slo_gate.config.policy import Policy
from slo_gate.engine.bundles import bundle_slos, summarise_bundles
from slo_gate.engine.tests import evaluate_tests, tests_out, visual_history
from slo_gate.formatting import fmt_value
from slo_gate.measurements import Measurements, Problem
from slo_gate.records import Record
from slo_gate.verdict import Decision, Release, Slo, Verdict, worst_decision

#: SLOs whose critical threshold is a hard limit on this change (DESIGN.md: "fail").
HARD_LIMITS = frozenset({"widget-bundle-size", "widget-bundle-total", "widget-build-time", "tests"})


@dataclass(frozen=True)
class EngineInput:
    measurements: Measurements
    policy: Policy
    now: datetime
    history: Sequence[Record] = ()
    baseline: Record | None = None
    baseline_how: str = ""
    mode: Literal["pr", "release"] = "pr"
    commit: str | None = None
    branch: str | None = None
    extra_problems: Sequence[Problem] = field(default_factory=tuple)


def _slo_decision(slo: Slo) -> tuple[Decision, str] | None:
    if slo.status == "fail":
        if slo.id in HARD_LIMITS:
            return "fail", f"{slo.id}: {_numbers(slo)} breaks the critical limit"
        return "warn", f"{slo.id}: {_numbers(slo)} is below its critical threshold"
    if slo.status == "warn":
        return "warn", f"{slo.id}: {_numbers(slo)} crosses the warning threshold"
    return None


def _numbers(slo: Slo) -> str:
    if slo.value is None:
        return "no value"
    limits = []
    if slo.warning is not None:
        limits.append(f"warning {fmt_value(slo.warning, slo.unit)}")
    if slo.target is not None:
        limits.append(f"critical {fmt_value(slo.target, slo.unit)}")
    return fmt_value(slo.value, slo.unit) + (f" ({', '.join(limits)})" if limits else "")


def _problem_decision(problem: Problem, policy: Policy) -> tuple[Decision, str] | None:
    if problem.level != "error":
        return None
    if problem.source == "bundles" and policy.bundles.on_missing == "warn":
        return "warn", f"{problem.code}: {problem.message} (bundles.on_missing: warn)"
    return "fail", f"{problem.code}: {problem.message}"


def evaluate(inp: EngineInput) -> Verdict:
    """Compute every SLO this run has data for and the decision that follows."""
    m, policy = inp.measurements, inp.policy
    problems = [*m.problems, *inp.extra_problems]
    slos: list[Slo] = []
    bundles_out = None
    if m.bundles is not None:
        problems.extend(m.bundles.problems)
        bundles_out = summarise_bundles(m.bundles, policy.bundles, inp.baseline, inp.baseline_how)
        slos.extend(bundle_slos(bundles_out, policy.bundles, inp.history, inp.now))
    tests_section = None
    if m.tests is not None:
        problems.extend(m.tests.problems)
        slos.extend(
            evaluate_tests(
                m.tests,
                policy.tests,
                visual_history(inp.history),
                inp.now,
                min_events=policy.budget.min_events,
            )
        )
        tests_section = tests_out(m.tests)
    reasons: list[tuple[Decision, str]] = []
    for slo in slos:
        outcome = _slo_decision(slo)
        if outcome is not None:
            reasons.append(outcome)
    for problem in problems:
        outcome = _problem_decision(problem, policy)
        if outcome is not None:
            reasons.append(outcome)
    decision = worst_decision([d for d, _ in reasons])
    return Verdict(
        decision=decision,
        release=Release(state="open", reason="no error budget is at risk"),
        evaluated_at=inp.now,
        commit=inp.commit,
        branch=inp.branch,
        mode=inp.mode,
        slos=slos,
        bundles=bundles_out,
        tests=tests_section,
        problems=problems,
        reasons=[text for _, text in reasons],
    )
