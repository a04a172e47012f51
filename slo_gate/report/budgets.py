"""Error budgets at the report's ``as_of``: the gate's own budget functions, same windows. Pure.

``slo-gate check --now T`` and a report as of ``T`` therefore show the same consumption for the
same data (a test keeps it so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from slo_gate.config.policy import BudgetPolicy, Policy
from slo_gate.engine.alerts import budget_status
from slo_gate.engine.budget import remaining_by_day
from slo_gate.engine.build_time import build_time_budget
from slo_gate.engine.ci import ci_budget
from slo_gate.engine.evaluate import build_history
from slo_gate.engine.server import counted_against, evaluate_server
from slo_gate.engine.tests import visual_budget, visual_history
from slo_gate.events import RatioSeries, ServerMeasurement
from slo_gate.records import Record
from slo_gate.report_model import BudgetStatus, DailyPoint
from slo_gate.runs import RunSummary
from slo_gate.slos import LATENCY_IDS, SloId

NO_INPUT = "no input for this SLO"
NO_THRESHOLD = "no critical threshold"


def burn_down(
    series: RatioSeries | None, target: float | None, policy: BudgetPolicy, as_of: datetime
) -> list[DailyPoint]:
    """The share of the budget left at the end of each day of the window (engine arithmetic)."""
    if series is None or target is None:
        return []
    points = remaining_by_day(series, target, policy, math.floor(as_of.timestamp()))
    return [
        DailyPoint(
            day=datetime.fromtimestamp(t - 1, UTC).date().isoformat(),
            value=None if left is None else left * 100,
            samples=1 if left is not None else 0,
        )
        for t, left in points
    ]


def _with_burn_down(
    status: BudgetStatus, series: RatioSeries | None, policy: BudgetPolicy, as_of: datetime
) -> BudgetStatus:
    if status.budget is None or status.budget.target is None:
        return status
    points = burn_down(series, status.budget.target, policy, as_of)
    return status.model_copy(update={"daily_remaining": points})


def _server_series(m: ServerMeasurement, slo_id: SloId, policy: Policy) -> RatioSeries | None:
    if slo_id == "mcp-availability":
        return m.availability
    location = next(loc for loc, i in LATENCY_IDS.items() if i == slo_id)
    measured = m.latency.get(location)
    limit = getattr(policy.server.latency, location).p95.critical
    return measured.series if measured and counted_against(measured, limit) else None


def _server(m: ServerMeasurement | None, policy: Policy, as_of: datetime) -> list[BudgetStatus]:
    ids: list[SloId] = ["mcp-availability", *LATENCY_IDS.values()]
    if m is None:
        return [budget_status(i, None, policy.budget, NO_INPUT) for i in ids]
    return [
        _with_burn_down(
            budget_status(slo.id, slo.budget, policy.budget, slo.detail or NO_THRESHOLD),
            _server_series(m, slo.id, policy),
            policy.budget,
            as_of,
        )
        for slo in evaluate_server(m, policy.server, policy.budget, as_of)
    ]


def budgets(
    policy: Policy,
    as_of: datetime,
    server: ServerMeasurement | None,
    records: Sequence[Record],
    ci_runs: Sequence[RunSummary] | None,
) -> list[BudgetStatus]:
    """Every budget-backed SLO's budget over the policy window ending at ``as_of``."""
    b = policy.budget
    out = _server(server, policy, as_of)
    builds = build_history(records)
    has_limit = policy.build_time.p95.critical is not None
    build = build_time_budget(builds, None, as_of, policy.build_time, b) if builds else None
    out.append(
        budget_status("widget-build-time", build, b, NO_INPUT if has_limit else NO_THRESHOLD)
    )
    ci = ci_budget(ci_runs, policy.ci, b, as_of) if ci_runs is not None else None
    ci_why = NO_INPUT if policy.ci.pass_rate.critical is not None else NO_THRESHOLD
    out.append(budget_status("ci-pass-rate", ci, b, ci_why))
    history = [(at, v) for at, v in visual_history(records) if v.passed + v.failed > 0]
    target = policy.tests.visual_pass_rate.critical
    visual = visual_budget(history, None, target, b, as_of) if history else None
    out.append(
        budget_status(
            "visual-pass-rate", visual, b, NO_INPUT if target is not None else NO_THRESHOLD
        )
    )
    return out
