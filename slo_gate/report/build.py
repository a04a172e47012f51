"""Build the monthly SLO report from history, server measurements, CI runs and incident issues.

PURE: no I/O, no environment, no clock ("now" is an argument). The edge (the report command)
reads the stores, logs and GitHub and hands plain data in; the renderers format the result.

This module only composes: every SLO value comes from the engine function the gate uses
(``report.performance``, over the period), every budget from the gate's budget functions
(``report.budgets``, at ``as_of``), incidents from ``engine.incidents``, alerts from
``engine.alerts``. Periods are calendar months in the policy's time zone or rolling windows
(``report.periods``).

Records count when their branch is one of the policy's ``ci.branches`` (or they have none):
pull-request records would mix unmerged sizes into the trends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from slo_gate.config.policy import Policy
from slo_gate.engine.alerts import alerts_from_budgets
from slo_gate.engine.evaluate import build_history
from slo_gate.engine.incidents import IncidentData, find_incidents
from slo_gate.engine.tests import visual_history
from slo_gate.events import ServerMeasurement
from slo_gate.measurements import Problem
from slo_gate.records import Record
from slo_gate.report.budgets import budgets
from slo_gate.report.performance import performance
from slo_gate.report.periods import aware, previous_period, span_of
from slo_gate.report.trends import coverage, trends
from slo_gate.report_model import IncidentIssue, Incidents, Period, Report
from slo_gate.runs import RunSummary


@dataclass(frozen=True)
class ServerInput:
    """Server measurements, each collected for its own window (see the report command).

    ``period`` covers exactly the report period (its digest gives the period's P95);
    ``budget`` the policy window ending at ``as_of``; ``previous`` the previous period.
    """

    period: ServerMeasurement | None = None
    budget: ServerMeasurement | None = None
    previous: ServerMeasurement | None = None
    note: str = "no server logs were read (server.logs is empty)"


@dataclass(frozen=True)
class ReportInput:
    policy: Policy
    period: Period
    now: datetime
    records: Sequence[Record] = ()
    server: ServerInput = field(default_factory=ServerInput)
    ci_runs: Sequence[RunSummary] | None = None
    ci_note: str = "CI runs were not read"
    #: incident issues opened in the period, parsed (``collectors.incident_issues``)
    incident_issues: Sequence[IncidentIssue] | None = None
    issues_note: str = "GitHub issues were not read"
    problems: Sequence[Problem] = ()


def report_records(records: Iterable[Record], branches: Sequence[str]) -> list[Record]:
    """Records of the report's branches (or without a branch), oldest first."""
    kept = [r for r in records if not branches or r.branch is None or r.branch in branches]
    return sorted(kept, key=lambda r: aware(r.recorded_at))


def build_report(inp: ReportInput, previous: Period | None = None) -> Report:
    """The whole report. ``previous`` defaults to the month (or window) before the period."""
    policy = inp.policy
    period = inp.period
    records = report_records(inp.records, policy.ci.branches)
    notes = (inp.server.note, inp.ci_note)
    current = performance(policy, period, inp.server.period, records, inp.ci_runs, notes)
    prev = previous or previous_period(period)
    before = performance(policy, prev, inp.server.previous, records, inp.ci_runs, notes)
    budget_rows = budgets(policy, period.as_of, inp.server.budget, records, inp.ci_runs)
    data = IncidentData(
        server=inp.server.period,
        builds=build_history(records),
        ci_runs=inp.ci_runs,
        visual=visual_history(records),
    )
    issues = inp.incident_issues
    incidents = Incidents(
        found=find_incidents(data, policy, span_of(period)),
        issues=list(issues or []),
        issues_read=issues is not None,
        note="" if issues is not None else inp.issues_note,
    )
    return Report(
        generated_at=aware(inp.now),
        period=period,
        coverage=coverage(period, records, inp.server.period, inp.ci_runs, notes),
        performance=current,
        budgets=budget_rows,
        incidents=incidents,
        trends=trends(current, before, prev.label),
        alerts=alerts_from_budgets(budget_rows, policy.budget),
        problems=list(inp.problems),
    )
