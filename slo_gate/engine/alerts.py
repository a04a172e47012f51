"""Budget states and the alerts they fire, for the report and the alert issues. Pure.

A budget's state comes from ``engine.release.budget_state``, the rule the gate's release
decision uses, so the report and the gate can never disagree about a pause or a rollback.
"""

from __future__ import annotations

from collections.abc import Sequence

from slo_gate.config.policy import BudgetPolicy
from slo_gate.engine.release import budget_state
from slo_gate.report_model import Alert, BudgetStatus, Severity
from slo_gate.slos import SloId, spec
from slo_gate.verdict import Budget

DAY = 86400

_SEVERITY: dict[str, Severity] = {
    "page": "critical",
    "critical": "critical",
    "ticket": "warning",
    "warning": "warning",
}


def budget_title(slo_id: SloId) -> str:
    """The SLO's title, with what its budget counts when that is not plain from the title."""
    s = spec(slo_id)
    return f"{s.title}, {s.budget_of}" if s.budget_of.startswith("≥") else s.title


def budget_status(
    slo_id: SloId, budget: Budget | None, policy: BudgetPolicy, why_none: str
) -> BudgetStatus:
    """One SLO's budget with its state; ``why_none`` says why there is no budget."""
    title = budget_title(slo_id)
    if budget is None:
        return BudgetStatus(slo_id=slo_id, title=title, budget=None, state="no-data", note=why_none)
    note = ""
    if budget.insufficient_data:
        note = f"insufficient data: {budget.valid} events (at least {policy.min_events})"
    state = budget_state(budget, policy)
    return BudgetStatus(slo_id=slo_id, title=title, budget=budget, state=state, note=note)


def alerts_from_budgets(budgets: Sequence[BudgetStatus], policy: BudgetPolicy) -> list[Alert]:
    """Every firing alert, per SLO: burn-rate alerts of the budget, then pause or rollback.

    Severities follow the SLO table's two levels: page-level burns, pauses and rollbacks are
    critical; the policy's "50 % in 7 days", ticket-level burns and the hourly latency alert
    are warnings. Budgets with insufficient data fire nothing (they cannot decide a release).
    """
    alerts: list[Alert] = []
    for status in budgets:
        b = status.budget
        if b is None or b.insufficient_data:
            continue
        for a in b.alerts:
            alerts.append(
                Alert(
                    slo_id=status.slo_id,
                    name=a.name,
                    severity=_SEVERITY[a.severity],
                    message=a.message,
                )
            )
        if status.state in ("pause", "rollback"):
            limit = policy.rollback if status.state == "rollback" else policy.pause
            verb = "rollback" if status.state == "rollback" else "releases paused"
            alerts.append(
                Alert(
                    slo_id=status.slo_id,
                    name=status.state,
                    severity="critical",
                    message=(
                        f"{verb}: {b.consumed * 100:.1f} % of the error budget consumed "
                        f"(≥ {limit * 100:g} %); {b.bad:,} bad of {b.valid:,} events in "
                        f"{(b.window_s or 0) / DAY:g} d"
                    ),
                )
            )
    return alerts
