"""``slo-gate report``: the edge glue that reads the inputs, builds the report and publishes it.

This is I/O: it reads the policy, the history store, the server logs and (when a repository
and token are there) GitHub, then hands plain data to the pure builder and renderers, writes
the files, and optionally posts the report issue and syncs the alert issues.

Missing input is never a silent pass: every source that could not be read is named in the
report's coverage (and problems), and GitHub failures while reading are problems, not crashes.
Publishing failures are errors (exit code 4): the user asked for an issue and did not get one.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, TextIO

from slo_gate.collectors.incident_issues import incident_issues
from slo_gate.collectors.server_logs import collect_server_windows
from slo_gate.commands.inputs import (
    Clock,
    StoreChoice,
    open_store,
    read_ci,
    run_cache,
    shared_client,
    workspace_of,
)
from slo_gate.config.loader import load_policy
from slo_gate.config.policy import BudgetPolicy, Policy
from slo_gate.config.units import parse_duration
from slo_gate.errors import ExitCode, UsageError
from slo_gate.files import write_output_or_stdout
from slo_gate.github.api_error import GitHubApiError
from slo_gate.github.client import GitHubClient
from slo_gate.github.comment import resolve_identity
from slo_gate.github.issues import publish_report_issue, read_incident_issues, sync_alert_issues
from slo_gate.github.shared import SharedClient
from slo_gate.history.store import HistoryStore
from slo_gate.history.workflow_runs import WorkflowRunReader
from slo_gate.measurements import Problem
from slo_gate.render.alert_issue import render_alert_body, render_alert_cleared
from slo_gate.render.report_html import render_report_html
from slo_gate.render.report_markdown import render_report_markdown
from slo_gate.render.terminal import printed
from slo_gate.report.build import ReportInput, ServerInput, build_report
from slo_gate.report.periods import month_period, previous_period, window_period
from slo_gate.report_model import IncidentIssueData, Period, Report
from slo_gate.runenv import RunEnv
from slo_gate.runs import RunSummary
from slo_gate.text import new_stop_token

#: collector problems that only say "this line belongs to another window": expected here
WINDOW_CODES = frozenset({"server-logs-outside-window", "server-logs-future"})


@dataclass(frozen=True)
class ReportArgs:
    """The parsed command line of ``slo-gate report`` (argparse's Namespace fits)."""

    month: str | None = None
    window: str | None = None
    config: Path | None = None
    workspace: Path | None = None
    history: Path | None = None
    markdown: Path | None = None
    json: Path | None = None
    html: Path | None = None
    publish: Literal["issue"] | None = None
    alerts: bool = False
    now: datetime | None = None
    incident_label: str = "incident"
    offline: bool = False


def args_from_namespace(ns: argparse.Namespace) -> ReportArgs:
    return ReportArgs(
        month=ns.month,
        window=ns.window,
        config=ns.config,
        workspace=ns.workspace,
        history=ns.history,
        markdown=ns.markdown,
        json=ns.json,
        html=ns.html,
        publish=ns.publish,
        alerts=ns.alerts,
        now=ns.now,
        incident_label=ns.incident_label,
        offline=ns.offline,
    )


# ----------------------------------------------------------------------------- inputs


def resolve_period(args: ReportArgs, policy: Policy, now: datetime) -> Period:
    """``--month`` or ``--window`` as a Period; bad values are usage errors with a fix."""
    try:
        if args.month and args.window:
            raise ValueError("pass either --month or --window, not both")
        if args.month:
            return month_period(args.month, policy.timezone, now)
        if args.window:
            return window_period(parse_duration(args.window), policy.timezone, now)
    except ValueError as exc:
        raise UsageError(
            str(exc), fix="e.g. --month 2026-10 or --window 30d; the time zone is the policy's"
        ) from None
    raise UsageError("no period given", fix="pass --month YYYY-MM or --window 30d")


def _window(policy: Policy, start: datetime, end: datetime) -> tuple[BudgetPolicy, datetime]:
    """Exactly ``[start, end)`` as a window ending at ``end``."""
    window = BudgetPolicy(window=(end - start).total_seconds(), min_events=policy.budget.min_events)
    return window, end


def read_server(
    policy: Policy, workspace: Path, period: Period, previous: Period
) -> tuple[ServerInput, list[Problem]]:
    """One read of the logs for three windows: the period, the budget window at ``as_of``, the
    previous period.

    Each window has its own buckets and latency digest (a P95 of the month, not of the month
    plus the days around it), filled from the same pass over the lines.
    """
    if not policy.server.logs:
        return ServerInput(note="no server logs configured (server.logs is empty)"), []
    now = period.as_of
    here, budget, before = collect_server_windows(
        policy.server,
        [
            _window(policy, period.start, now),
            (policy.budget, now),
            _window(policy, previous.start, previous.end),
        ],
        workspace,
    )
    problems = [p for p in here.problems if p.code not in WINDOW_CODES]
    problems += [p for p in budget.problems if p.code not in WINDOW_CODES and p not in problems]
    note = "" if here.lines else "the server logs hold no request"
    return ServerInput(period=here, budget=budget, previous=before, note=note), problems


@dataclass
class GitHubInputs:
    client: GitHubClient | None = None
    runs: list[RunSummary] | None = None
    ci_note: str = ""
    issues: list[IncidentIssueData] | None = None
    issues_note: str = ""
    problems: list[Problem] | None = None


def read_github(
    args: ReportArgs,
    github: SharedClient,
    policy: Policy,
    workspace: Path,
    store: HistoryStore | None,
    period: Period,
    previous: Period,
) -> GitHubInputs:
    """CI runs (read as the gate reads them) and incident issues; failures are problems."""
    out = GitHubInputs(problems=[])
    assert out.problems is not None
    client = _client(args, github)
    if client is None:
        why = "--offline" if args.offline else "no GitHub repository (GITHUB_REPOSITORY unset)"
        out.ci_note = f"CI runs not read: {why}"
        out.issues_note = f"incident issues not read: {why}"
        return out
    out.client = client
    history = read_ci(
        policy,
        WorkflowRunReader(client, run_cache(store, workspace, policy)),
        since=min(previous.start, period.as_of - timedelta(seconds=policy.budget.window)),
        now=period.as_of,
    )
    out.problems.extend(history.problems)
    if history.available:
        out.runs = history.runs
    else:
        out.ci_note = "CI runs not read: see problems"
    try:
        out.issues = read_incident_issues(
            client.repo(), args.incident_label, period.start, period.end
        )
    except GitHubApiError as err:
        out.problems.append(err.to_problem("warn"))
        out.issues_note = "incident issues not read: see problems"
    return out


def _client(args: ReportArgs, github: SharedClient) -> GitHubClient | None:
    """The report reads public data without a token; ``--offline`` reads nothing."""
    if args.offline or not github.has_repository:
        return None
    return github.get()


# ----------------------------------------------------------------------------- publishing


def publish(args: ReportArgs, report: Report, markdown: str, gh: GitHubInputs, out: TextIO) -> None:
    """``--publish issue`` and ``--alerts``: both need a repository and a token."""
    if gh.client is None:
        raise UsageError(
            "--publish and --alerts need GitHub",
            fix="set GITHUB_REPOSITORY and GITHUB_TOKEN (in Actions: permissions issues: write), "
            "and leave out --offline",
        )
    repo = gh.client.repo()
    identity = resolve_identity(gh.client.github)
    if args.publish == "issue":
        result = publish_report_issue(repo, report.period, markdown, identity=identity)
        out.write(f"report issue #{result.number}: {result.action}\n")
    if args.alerts:
        by_slo = {b.slo_id: b for b in report.budgets}
        firing = {a.slo_id for a in report.alerts}
        bodies: dict[str, str] = {
            slo: render_alert_body(
                slo,
                [a for a in report.alerts if a.slo_id == slo],
                by_slo.get(slo),
                report.generated_at,
            )
            for slo in firing
        }
        evaluated = [
            b.slo_id
            for b in report.budgets
            if b.budget is not None and not b.budget.insufficient_data
        ]
        cleared: dict[str, str] = {
            b.slo_id: render_alert_cleared(b.slo_id, b, report.generated_at) for b in report.budgets
        }
        for r in sync_alert_issues(
            repo,
            report.alerts,
            bodies,
            evaluated=evaluated,
            identity=identity,
            cleared_comment=cleared,
        ):
            out.write(f"alert issue #{r.number} ({r.slo_id}): {r.action}\n")


# ----------------------------------------------------------------------------- entry point


def make_report(
    args: ReportArgs, run: RunEnv, now: datetime, github: SharedClient | None = None
) -> tuple[Report, GitHubInputs]:
    """Read everything and build the report (no file written, nothing published)."""
    github = github or shared_client(run)
    workspace = workspace_of(run, args.workspace)
    loaded = load_policy(args.config, workspace)
    policy = loaded.policy
    period = resolve_period(args, policy, now)
    previous = previous_period(period)
    choice = StoreChoice(path=args.history)
    store, store_problems = open_store(
        policy, workspace, choice, run, _client(args, github), period.as_of
    )
    records = list(store.read()) if store is not None else []
    server, server_problems = read_server(policy, workspace, period, previous)
    gh = read_github(args, github, policy, workspace, store, period, previous)
    report = build_report(
        ReportInput(
            policy=policy,
            period=period,
            now=now,
            records=records,
            server=server,
            ci_runs=gh.runs,
            ci_note=gh.ci_note,
            incident_issues=(
                None
                if gh.issues is None
                else incident_issues(gh.issues, period.start, period.end, now)
            ),
            issues_note=gh.issues_note,
            problems=[
                *store_problems,
                *(store.problems if store is not None else ()),
                *server_problems,
                *(gh.problems or []),
            ],
        ),
        previous,
    )
    return report, gh


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    return run_report(args_from_namespace(args), env, out, clock)


def run_report(args: ReportArgs, run: RunEnv, out: TextIO, clock: Clock) -> int:
    """Build, write and publish; prints a one-screen summary (or the Markdown with no file)."""
    now = args.now or clock()
    report, gh = make_report(args, run, now)
    markdown = render_report_markdown(report)
    outputs = [a for a in (args.markdown, args.json, args.html) if a is not None]
    if sum(str(a) == "-" for a in outputs) > 1:
        raise UsageError(
            "only one output can be - (standard output)", fix="write the others to files"
        )
    if args.markdown:
        write_output_or_stdout(args.markdown, markdown, out)
    if args.json:
        write_output_or_stdout(args.json, report.model_dump_json(indent=2) + "\n", out)
    if args.html:
        write_output_or_stdout(args.html, render_report_html(report), out)
    if not outputs:
        # inside GitHub Actions no line of it (code spans hold names as typed) may act as a command
        out.write(printed(markdown, new_stop_token() if run.in_actions else None))
    elif any(str(a) == "-" for a in outputs):
        pass  # standard output holds only the asked format
    else:
        statuses = ", ".join(f"{s.id} {s.status}" for s in report.performance.slos)
        out.write(f"SLO report {report.period.label}: {statuses}\n")
        if report.coverage.partial:
            out.write(f"partial: {report.coverage.note}\n")
    if args.publish or args.alerts:
        publish(args, report, markdown, gh, out)
    if gh.client is not None:
        out.write(gh.client.summary() + "\n")
    return int(ExitCode.OK)
