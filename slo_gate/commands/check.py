"""``slo-gate check``: one gate run at the edge: read inputs, collect, evaluate, record.

``perform_check`` is shared by ``slo-gate check`` and the GitHub Action (``slo-gate action``).
It reads files, the GitHub API and the clock, and hands plain data to the pure engine. Nothing
here reads the process environment: the run environment (``RunEnv``) comes in built.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from slo_gate import __version__
from slo_gate.commands.inputs import (
    PR_EVENTS,
    Clock,
    StoreChoice,
    api_level,
    github_missing,
    open_store,
    read_ci,
    run_reader,
    shared_client,
    store_kind,
)
from slo_gate.commands.sources import (
    collect_server,
    collect_test_reports,
    policy_notes,
    reads_more_than_bundles,
    require_sources,
    section_problems,
)
from slo_gate.config.loader import LoadedPolicy, load_policy
from slo_gate.config.policy import Policy
from slo_gate.context import RunContext, run_context
from slo_gate.engine.bundles import bundle_record
from slo_gate.engine.evaluate import EngineInput, evaluate
from slo_gate.engine.release import verdict_exit_code
from slo_gate.errors import GitHubError, UsageError
from slo_gate.files import write_output_or_stdout
from slo_gate.github.api_error import GitHubApiError
from slo_gate.github.shared import SharedClient
from slo_gate.history.file_store import known_files, no_baseline_notice, pick_baseline
from slo_gate.measurements import Annotation, BundleMeasurement, Measurements, Problem, TestReport
from slo_gate.records import Record, TestRecord
from slo_gate.render.annotations import verdict_annotations
from slo_gate.render.json_out import render_json
from slo_gate.render.markdown import render_markdown
from slo_gate.render.terminal import printed, render_terminal
from slo_gate.runenv import RunEnv
from slo_gate.text import new_stop_token, visible
from slo_gate.verdict import Override, Verdict

if TYPE_CHECKING:
    from slo_gate.collectors.build_time import BuildTimeMeasurement
    from slo_gate.events import ServerMeasurement
    from slo_gate.github.client import GitHubClient
    from slo_gate.history.workflow_runs import WorkflowRunReader
    from slo_gate.runs import BuildSample, RunSummary

# A source's collector is imported by the run that measures it (see ``_collect_bundles``,
# ``_collect_build``, ``_build_history``, ``_baseline``): a run of JUnit reports alone does not
# pay for the bundle scanner, the Jobs API reader or the baseline walk at start-up.

LabelReader = Callable[[Policy, datetime], tuple[Override | None, Override | None]]


@dataclass(frozen=True)
class CheckOptions:
    """What a gate run is asked to do (from the command line or the action's inputs)."""

    config: Path | None = None
    workspace: Path | None = None
    history: Path | None = None
    history_store: Literal["file", "github-branch", "off"] | None = None
    no_record: bool = False
    baseline: str | None = None
    mode: Literal["pr", "release"] = "pr"
    now: datetime | None = None
    commit: str | None = None
    branch: str | None = None
    junit: Sequence[str] = ()
    playwright: Sequence[str] = ()
    workers: int | None = None
    override: str | None = None
    override_by: str | None = None
    repo: str | None = None
    #: reads overrides from PR labels once the policy (which names the labels) is loaded:
    #: (release-freeze override, accept-increase override)
    labels: LabelReader | None = None


@dataclass
class CheckRun:
    """Everything a gate run produced, for renderers and publishers."""

    verdict: Verdict
    loaded: LoadedPolicy
    context: RunContext
    history: list[Record]
    store_name: str
    log: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


def _needs_github(loaded: LoadedPolicy, opts: CheckOptions, event_name: str | None) -> bool:
    p = loaded.policy
    src = p.build_time.from_
    return bool(
        p.ci.workflows
        or (src is not None and (src.workflow or src.job or src.step))
        or store_kind(p, StoreChoice(kind=opts.history_store)) == "github-branch"
        or event_name in PR_EVENTS
    )


def _ci_runs(
    loaded: LoadedPolicy, reader: WorkflowRunReader | None, now: datetime, problems: list[Problem]
) -> list[RunSummary] | None:
    p = loaded.policy
    if not p.ci.workflows:
        return None
    if reader is None:
        problems.append(
            github_missing("the CI pass rate (ci.workflows)", api_level(p.history.on_api_error))
        )
        return []
    since = now - timedelta(seconds=max(p.ci.pass_rate.window, p.budget.window))
    ci = read_ci(p, reader, since=since, now=now)
    problems.extend(ci.problems)
    return list(ci.runs)


def _build_history(
    loaded: LoadedPolicy, reader: WorkflowRunReader | None, now: datetime, problems: list[Problem]
) -> list[BuildSample]:
    """Past build durations from the Jobs API (jobs read once per run, then cached)."""
    p = loaded.policy
    src = p.build_time.from_
    if reader is None or src is None or not src.workflow:
        return []
    from slo_gate.history.workflow_runs import Listing

    try:
        samples, _ = reader.build_durations(
            Listing(src.workflow, tuple(p.ci.branches), tuple(p.ci.events)),
            job_glob=src.job,
            step_glob=src.step,
            since=now - timedelta(seconds=p.build_time.window),
            now=now,
            budget_share=p.build_time.backfill_budget,
        )
    except GitHubApiError as err:
        problems.append(err.to_problem(p.history.on_api_error))
        return []
    return samples


def _baseline(
    history: Sequence[Record],
    ctx: RunContext,
    opts: CheckOptions,
    run: RunEnv,
    client: GitHubClient | None,
    now: datetime,
    on_api_error: Literal["warn", "fail"],
    problems: list[Problem],
) -> tuple[Record | None, str]:
    if opts.baseline is None and client is not None and ctx.event in PR_EVENTS:
        from slo_gate.history.baseline import GitHubCommits, PullRequestRef, find_baseline

        found, more = find_baseline(
            history,
            PullRequestRef.from_event(run.event, run.event_name, run.sha),
            GitHubCommits(client),
            now,
            on_api_error=on_api_error,
        )
        problems.extend(more)
        if found is not None:
            return found.record, found.how
    found_record, how = pick_baseline(history, ctx.baseline_branch, ctx.commit, opts.baseline)
    if opts.baseline is None and found_record is None:
        problems.extend(no_baseline_notice(history, ctx.baseline_branch, ctx.commit))
    if opts.baseline is not None and found_record is None:
        problems.append(
            Problem(
                code="baseline-not-found",
                message=f"no recorded run matches --baseline {opts.baseline!r} (a commit prefix "
                f"or a branch) among {len(history)} records: sizes are shown without deltas. "
                "Fix: name a commit or branch that an earlier check recorded",
                level="warning",
                source="history",
            )
        )
    return found_record, how


def _override(opts: CheckOptions, run: RunEnv, now: datetime) -> Override | None:
    if not opts.override:
        return None
    who = opts.override_by or run.actor or _local_user()
    return Override(by=who, reason=opts.override, at=now, source="cli")


def _local_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _record(
    verdict: Verdict,
    ctx: RunContext,
    now: datetime,
    bundles: Any,
    tests: TestReport | None,
    build_seconds: float | None,
) -> Record:
    return Record(
        recorded_at=now,
        commit=ctx.commit,
        branch=ctx.branch,
        event=ctx.event,
        run_id=ctx.run_id,
        decision=verdict.decision,
        bundles=bundle_record(verdict.bundles, bundles) if verdict.bundles else None,
        tests=_tests_record(tests),
        build_time_s=build_seconds,
    )


def _tests_record(tests: TestReport | None) -> TestRecord | None:
    if tests is None:
        return None
    from slo_gate.engine.tests import record_tests

    return record_tests(tests)


def _this_build(now: datetime, seconds: float | None, run_id: int | None) -> BuildSample | None:
    """This run's build time as a sample (``None``: this run has none)."""
    if not seconds:
        return None
    from slo_gate.runs import BuildSample

    return BuildSample(now, seconds, run_id)


def _collect_bundles(
    policy: Policy, workspace: Path, history: Sequence[Record], workers: int | None
) -> BundleMeasurement | None:
    if not policy.has_section("bundles"):
        return None
    from slo_gate.collectors.bundles import collect_bundles

    return collect_bundles(policy.bundles, workspace, known_files(history), workers)


def _collect_build(
    policy: Policy, workspace: Path, reader: WorkflowRunReader | None, run: RunEnv
) -> BuildTimeMeasurement | None:
    """This run's build time when the policy has a source for it."""
    if policy.build_time.from_ is None:
        return None
    from slo_gate.collectors.build_time import RunRef, collect_build_time

    return collect_build_time(
        policy.build_time.from_,
        workspace=workspace,
        reader=reader,
        run=RunRef(run.run_number, run.attempt_number),
        on_api_error=policy.history.on_api_error,
    )


def _connect(
    loaded: LoadedPolicy, opts: CheckOptions, ctx: RunContext, github: SharedClient
) -> GitHubClient | None:
    """The shared client when this run needs GitHub and has a token and a repository."""
    if not (_needs_github(loaded, opts, ctx.event) and github.usable):
        return None
    return github.get()


_Others = tuple[
    TestReport | None,
    "ServerMeasurement | None",
    "BuildTimeMeasurement | None",
    "list[RunSummary] | None",
    "list[BuildSample]",
]


def _measure_others(
    loaded: LoadedPolicy,
    opts: CheckOptions,
    workspace: Path,
    reader: WorkflowRunReader | None,
    run: RunEnv,
    now: datetime,
    problems: list[Problem],
) -> _Others:
    """Every source but the bundles: test reports, server logs, build time, CI runs."""
    tests = collect_test_reports(loaded, opts.junit, opts.playwright, workspace, problems)
    server = collect_server(loaded, workspace, now, problems)
    build = _collect_build(loaded.policy, workspace, reader, run)
    problems.extend(build.problems if build is not None else ())
    ci_runs = _ci_runs(loaded, reader, now, problems)
    past_builds = _build_history(loaded, reader, now, problems)
    return tests, server, build, ci_runs, past_builds


def perform_check(
    opts: CheckOptions, run: RunEnv, clock: Clock, github: SharedClient | None = None
) -> CheckRun:
    """Collect, evaluate and record one gate run; raise only for errors the user must fix."""
    now = opts.now or clock()
    ctx = run_context(run, opts.workspace, opts.commit, opts.branch)
    loaded = load_policy(opts.config, ctx.workspace)
    require_sources(loaded, bool(opts.junit or opts.playwright))
    policy = loaded.policy
    problems: list[Problem] = [*policy_notes(loaded), *section_problems(policy)]
    github = github or shared_client(run, repository=opts.repo)
    client = _connect(loaded, opts, ctx, github)
    choice = StoreChoice(opts.history, opts.history_store)
    store, store_problems = open_store(policy, ctx.workspace, choice, run, client, now)
    problems.extend(store_problems)
    history = list(store.read()) if store is not None else []
    problems.extend(store.problems if store is not None else ())
    baseline, how = _baseline(
        history, ctx, opts, run, client, now, policy.history.on_api_error, problems
    )
    reader = run_reader(client, store, ctx.workspace, policy)
    measure_bundles = partial(_collect_bundles, policy, ctx.workspace, history, opts.workers)
    measure_others = partial(_measure_others, loaded, opts, ctx.workspace, reader, run, now)
    if reads_more_than_bundles(policy, opts.junit, opts.playwright):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="slo-gate-bundles") as pool:
            # Bundles are compressed on their own threads while this one reads the test
            # reports, the logs and GitHub: zlib and brotli release the GIL, and an API call
            # mostly waits.
            pending = pool.submit(measure_bundles)
            others = measure_others(problems)
            bundles = pending.result()
    else:  # nothing to overlap with: no thread
        bundles, others = measure_bundles(), measure_others(problems)
    tests, server, build, ci_runs, past_builds = others
    build_seconds = build.seconds if build is not None else None
    run_id = int(ctx.run_id) if ctx.run_id and ctx.run_id.isdigit() else None
    freeze, accept = opts.labels(policy, now) if opts.labels is not None else (None, None)
    verdict = evaluate(
        EngineInput(
            measurements=Measurements(bundles=bundles, tests=tests),
            policy=policy,
            now=now,
            history=history,
            baseline=baseline,
            baseline_how=how,
            mode=opts.mode,
            commit=ctx.commit,
            branch=ctx.branch,
            extra_problems=tuple(problems),
            server=server,
            ci_runs=ci_runs,
            build_this_run=_this_build(now, build_seconds, run_id),
            build_samples=tuple(past_builds),
            build_time_configured=policy.build_time.from_ is not None,
            override=_override(opts, run, now) or freeze,
            accept_increase=accept,
        )
    )
    log: list[str] = []
    # Pull requests read the history and never write it (their code is not yet trusted).
    if store is not None and not opts.no_record and ctx.event not in PR_EVENTS:
        try:
            store.append(_record(verdict, ctx, now, bundles, tests, build_seconds))
        except GitHubError as exc:
            log.append(f"history not recorded: {exc.message}")
    return CheckRun(
        verdict=verdict,
        loaded=loaded,
        context=ctx,
        history=history,
        store_name=store.name if store is not None else "off",
        log=log,
        annotations=verdict_annotations(verdict, loaded.path, loaded.line_of),
    )


# ----------------------------------------------------------------------------- the command


def options_from(args: argparse.Namespace) -> CheckOptions:
    return CheckOptions(
        config=args.config,
        workspace=args.workspace,
        history=args.history,
        no_record=args.no_record,
        baseline=args.baseline,
        mode=args.mode,
        now=args.now,
        commit=args.commit,
        branch=args.branch,
        junit=args.junit,
        playwright=args.playwright,
        workers=args.workers,
        override=args.override,
        repo=args.repo,
    )


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """``slo-gate check``: evaluate, write the files asked for, print, exit by the decision."""
    to_stdout = [a for a in (args.json, args.markdown) if a is not None and str(a) == "-"]
    if len(to_stdout) > 1:
        raise UsageError(
            "--json - and --markdown - both ask for standard output",
            fix="write one of them to a file",
        )
    github = shared_client(env, repository=args.repo)
    checked = perform_check(options_from(args), env, clock, github)
    verdict = checked.verdict
    if args.json:
        write_output_or_stdout(args.json, render_json(verdict), out)
    if args.markdown:
        from slo_gate.render.trends import policy_trends  # charts: only for --markdown

        trends = policy_trends(checked.history, verdict.evaluated_at, checked.loaded.policy)
        markdown = render_markdown(verdict) + ("\n" + trends if trends else "")
        write_output_or_stdout(args.markdown, markdown, out)
    source = checked.loaded.path or "the built-in policy"
    if to_stdout:
        return verdict_exit_code(verdict)  # stdout holds only the asked format
    text = ""
    if args.quiet:
        text += f"decision: {verdict.decision}\n"
    else:
        text += (
            f"slo-gate {__version__} · policy: {visible(str(source))} · history: "
            f"{visible(checked.store_name)} ({len(checked.history)} records)\n\n"
        )
        text += render_terminal(verdict)
    for line in [*checked.log, github.summary()]:
        if line:
            text += visible(line) + "\n"
    # inside GitHub Actions no line of the report may act as a workflow command
    out.write(printed(text, new_stop_token() if env.in_actions else None))
    return verdict_exit_code(verdict)
