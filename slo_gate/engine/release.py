"""The release decision from error budgets, overrides, and the exit-code rule (DESIGN.md).

≥ ``pause`` (75 %) of any budget consumed → ``pause``; ≥ ``rollback`` (100 %) → ``rollback``;
a burn-rate alert or a warning threshold → ``warn``. A critical threshold of a budget-backed
SLO (availability, latency, pass rates) does not make the decision ``fail``: "fail" means *this
change* broke a hard limit, while a spent budget is the service's state, answered by pause and
rollback (exit 0 on pull requests, 1 in release mode). SLOs without a budget (bundle sizes,
this run's tests) keep ``fail``.

A release-freeze override turns a pause into an audited warn; a rollback is never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal

from slo_gate.config.policy import BudgetPolicy
from slo_gate.engine.budget import consumed_exact, exact
from slo_gate.errors import ExitCode
from slo_gate.formatting import fmt_value
from slo_gate.slos import spec
from slo_gate.verdict import (
    DECISION_ORDER,
    Budget,
    Decision,
    Override,
    Release,
    Slo,
    Verdict,
    worst_decision,
)

Mode = Literal["pr", "release"]


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    """The budget side of a verdict: decision contribution, release state, one reason a line."""

    decision: Decision
    release: Release
    reasons: tuple[str, ...] = ()
    override: Override | None = field(default=None)


def _pct(value: Fraction | float) -> str:
    return f"{float(value) * 100:.4g} %"


def _budget_line(slo: Slo, consumed: Fraction, limit_name: str, limit: float) -> str:
    b = slo.budget
    assert b is not None
    window = f"{b.window_s / 86400:g} d" if b.window_s else slo.window
    return (
        f"{slo.id}: {_pct(consumed)} of the error budget consumed (≥ {_pct(limit)} → "
        f"{limit_name}); {b.bad:,} bad of {b.valid:,} events in {window}, "
        f"{b.allowed_bad or 0:.1f} allowed"
    )


BudgetState = Literal["ok", "pause", "rollback", "insufficient-data"]


def budget_state(budget: Budget, policy: BudgetPolicy) -> BudgetState:
    """What one error budget says about releases: ≥ rollback, ≥ pause, or nothing."""
    if budget.insufficient_data:
        return "insufficient-data"
    consumed = consumed_exact(budget)
    if consumed >= exact(policy.rollback):
        return "rollback"
    if consumed >= exact(policy.pause):
        return "pause"
    return "ok"


def _budget_state(slo: Slo, policy: BudgetPolicy) -> tuple[Decision, str] | None:
    """pause / rollback for one SLO's budget, or None when it decides nothing."""
    if slo.budget is None:
        return None
    state = budget_state(slo.budget, policy)
    consumed = consumed_exact(slo.budget)
    if state == "rollback":
        return "rollback", _budget_line(slo, consumed, "rollback", policy.rollback)
    if state == "pause":
        return "pause", _budget_line(slo, consumed, "pause releases", policy.pause)
    return None


def _status_decision(slo: Slo, hard_limits: frozenset[str] | None) -> tuple[Decision, str] | None:
    """warn / fail from an SLO's thresholds; only hard limits fail (see the module)."""
    if slo.status == "warn":
        return "warn", f"{slo.id}: warning threshold crossed ({_value(slo)})"
    if slo.status == "fail":
        hard = slo.budget is None if hard_limits is None else slo.id in hard_limits
        if not hard:
            return "warn", f"{slo.id}: critical threshold crossed ({_value(slo)})"
        named = f": {slo.detail}" if spec(slo.id).source == "bundles" and slo.detail else ""
        return "fail", f"{slo.id}: limit exceeded ({_value(slo)}){named}"
    return None


def _value(slo: Slo) -> str:
    if slo.value is None:
        return "no value"
    sign = "≤" if slo.comparison == "<=" else "≥"
    limits = []
    if slo.warning is not None:
        limits.append(f"warning {sign} {fmt_value(slo.warning, slo.unit)}")
    if slo.target is not None:
        limits.append(f"limit {sign} {fmt_value(slo.target, slo.unit)}")
    return ", ".join([fmt_value(slo.value, slo.unit), *limits])


def decide_release(
    slos: list[Slo],
    policy: BudgetPolicy,
    *,
    include_statuses: bool = True,
    hard_limits: frozenset[str] | None = None,
) -> ReleaseOutcome:
    """Decision and release state from every SLO's budget and alerts, and its thresholds.

    The reasons name each SLO and its numbers, most severe first; the release reason joins the
    pause/rollback lines of every spent budget. ``include_statuses=False`` leaves thresholds to
    the caller (budgets and alerts only). A critical threshold fails the decision for the SLO
    ids in ``hard_limits``; without that set, for every SLO that has no budget.
    """
    found: list[tuple[Decision, str]] = []
    for slo in slos:
        status = _status_decision(slo, hard_limits) if include_statuses else None
        for item in (_budget_state(slo, policy), status):
            if item is not None:
                found.append(item)
        if slo.budget is not None and not slo.budget.insufficient_data:
            found.extend(
                ("warn", f"{slo.id}: {a.name} alert: {a.message}") for a in slo.budget.alerts
            )
    found.sort(key=lambda item: -DECISION_ORDER.index(item[0]))
    decision = worst_decision([d for d, _ in found])
    budget_lines = [text for d, text in found if d in ("pause", "rollback")]
    if any(d == "rollback" for d, _ in found):
        release = Release(state="rollback", reason="rollback: " + "; ".join(budget_lines))
    elif budget_lines:
        release = Release(state="paused", reason="releases paused: " + "; ".join(budget_lines))
    elif not any(slo.budget is not None for slo in slos):
        release = Release(state="open", reason="no error budgets configured")
    elif all(slo.budget.insufficient_data for slo in slos if slo.budget is not None):
        release = Release(
            state="open",
            reason=f"no error budget has enough events yet (fewer than {policy.min_events})",
        )
    else:
        release = Release(state="open", reason="every error budget is below the pause threshold")
    return ReleaseOutcome(decision, release, tuple(text for _, text in found))


def apply_override(outcome: ReleaseOutcome, override: Override) -> ReleaseOutcome:
    """Turn a pause into an audited warn; refuse (but record) an override of a rollback.

    The release reason keeps the budget numbers and adds who, why and when, so the override is
    visible wherever the release state is shown. Without a pause there is nothing to lift; the
    override is recorded as not applied.
    """
    audit = f"override by {override.by} at {override.at.isoformat()}: {override.reason}"
    if outcome.release.state == "rollback":
        refused = override.model_copy(update={"applied": False})
        reason = f"{outcome.release.reason} (override refused: a rollback is never hidden; {audit})"
        return replace(
            outcome,
            release=Release(state="rollback", reason=reason),
            reasons=(*outcome.reasons, f"override refused: rollback stays ({audit})"),
            override=refused,
        )
    if outcome.release.state != "paused":
        return replace(outcome, override=override.model_copy(update={"applied": False}))
    decision = "warn" if outcome.decision == "pause" else outcome.decision
    return ReleaseOutcome(
        decision=decision,
        release=Release(state="open", reason=f"{outcome.release.reason} — lifted: {audit}"),
        reasons=(*outcome.reasons, f"pause overridden ({audit})"),
        override=override,
    )


def verdict_exit_code(verdict: Verdict) -> int:
    """The step's exit code: ``exit_code`` of the decision, or 4 when GitHub could not be used
    and the policy says to fail on that (its problems are errors: ``on_api_error: fail``).

    The verdict is then incomplete, so 4 ("retry when GitHub answers") takes precedence.
    """
    if any(p.source == "github" and p.level == "error" for p in verdict.problems):
        return int(ExitCode.GITHUB)
    return exit_code(verdict.decision, verdict.mode)


def exit_code(decision: Decision, mode: Mode) -> int:
    """0 for pass/warn, 1 for fail; pause and rollback fail the step only in release mode."""
    if decision == "fail":
        return int(ExitCode.GATE_FAILED)
    if decision in ("pause", "rollback"):
        return int(ExitCode.GATE_FAILED) if mode == "release" else int(ExitCode.OK)
    return int(ExitCode.OK)
