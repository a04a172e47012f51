"""One gate run at the edge: read inputs, collect, evaluate, record.

``perform_check`` is shared by ``slo-gate check`` and the GitHub Action (``slo-gate action``).
It reads files, the GitHub API and the clock, and hands plain data to the pure engine. Nothing
here reads ``os.environ``: the environment comes in as a mapping.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from slo_gate.collectors.build_time import BuildTimeMeasurement, collect_build_time
from slo_gate.collectors.bundles import collect_bundles
from slo_gate.collectors.server_logs import collect_server_logs
from slo_gate.collectors.tests import collect_tests
from slo_gate.config.inputs import load_event_file
from slo_gate.config.loader import LoadedPolicy, load_policy
from slo_gate.config.policy import Policy
from slo_gate.context import RunContext, run_context
from slo_gate.engine.bundles import bundle_record
from slo_gate.engine.evaluate import EngineInput, evaluate
from slo_gate.engine.tests import record_tests
from slo_gate.errors import GitHubError
from slo_gate.events import ServerMeasurement
from slo_gate.github.client import GitHubApiError, GitHubClient, make_client
from slo_gate.history.baseline import GitHubCommits, PullRequestRef, find_baseline
from slo_gate.history.file_store import FileStore, known_files, pick_baseline
from slo_gate.history.github_branch import EventContext, GitHubBranchStore
from slo_gate.history.run_cache import JsonFileRunCache, RunCacheStore
from slo_gate.history.store import HistoryStore
from slo_gate.history.workflow_runs import Listing, WorkflowRunReader, read_ci_history
from slo_gate.measurements import Annotation, Measurements, Problem, TestReport
from slo_gate.records import Record
from slo_gate.render.annotations import verdict_annotations
from slo_gate.runs import BuildSample, RunSummary
from slo_gate.verdict import Override, Verdict

Clock = Callable[[], datetime]
LabelReader = Callable[[Policy, datetime], tuple[Override | None, Override | None]]
PR_EVENTS = ("pull_request", "pull_request_target")


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
    token: str | None = None
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
    client: GitHubClient | None
    event: Mapping[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


def _needs_github(loaded: LoadedPolicy, opts: CheckOptions, event_name: str | None) -> bool:
    p = loaded.policy
    src = p.build_time.from_
    return bool(
        p.ci.workflows
        or (src is not None and (src.workflow or src.job or src.step))
        or (opts.history_store or p.history.store) == "github-branch"
        or event_name in PR_EVENTS
    )


def _client(env: Mapping[str, str], opts: CheckOptions) -> GitHubClient | None:
    token = opts.token or env.get("GITHUB_TOKEN")
    repo = opts.repo or env.get("GITHUB_REPOSITORY")
    if not token or not repo:
        return None
    return make_client({**env, "GITHUB_TOKEN": token}, repository=repo)


def _level(on_api_error: Literal["warn", "fail"]) -> Literal["warning", "error"]:
    return "error" if on_api_error == "fail" else "warning"


def _github_missing(what: str, level: Literal["warning", "error"]) -> Problem:
    return Problem(
        code="github-not-configured",
        message=f"{what} needs the GitHub API, but there is no token or repository: it has no "
        "data. In a workflow pass github-token; locally set GITHUB_TOKEN and pass --repo "
        "owner/name",
        level=level,
        source="github",
    )


def _open_store(
    loaded: LoadedPolicy,
    opts: CheckOptions,
    ctx: RunContext,
    env: Mapping[str, str],
    client: GitHubClient | None,
    now: datetime,
) -> tuple[HistoryStore | None, list[Problem]]:
    hist = loaded.policy.history
    kind = opts.history_store or hist.store
    if kind == "off":
        return None, []
    if kind == "github-branch" and opts.history is None:
        if client is None:
            return None, [
                _github_missing("history.store: github-branch", _level(hist.on_api_error))
            ]
        context = EventContext.from_env(env, loaded.policy.ci.branches)
        return (
            GitHubBranchStore(
                client, context=context, now=now, branch=hist.branch, on_api_error=hist.on_api_error
            ),
            [],
        )
    path = opts.history if opts.history is not None else ctx.workspace / hist.file
    shown = str(opts.history) if opts.history is not None else hist.file
    seed = ctx.workspace / hist.seed if hist.seed else None
    return FileStore(path, shown, seed=seed), []


def _run_cache(store: HistoryStore | None, ctx: RunContext, loaded: LoadedPolicy) -> RunCacheStore:
    if isinstance(store, GitHubBranchStore):
        return store.run_cache()
    return JsonFileRunCache(ctx.workspace / Path(loaded.policy.history.file).parent / "runs")


def _ci_runs(
    loaded: LoadedPolicy, reader: WorkflowRunReader | None, now: datetime, problems: list[Problem]
) -> list[RunSummary] | None:
    p = loaded.policy
    if not p.ci.workflows:
        return None
    if reader is None:
        problems.append(
            _github_missing("the CI pass rate (ci.workflows)", _level(p.history.on_api_error))
        )
        return []
    since = now - timedelta(seconds=max(p.ci.pass_rate.window, p.budget.window))
    ci = read_ci_history(
        reader,
        p.ci.workflows,
        p.ci.branches,
        since=since,
        now=now,
        first_attempts=p.ci.attempts == "first",
        events=p.ci.events,
        on_api_error=p.history.on_api_error,
    )
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
    try:
        samples, _ = reader.build_durations(
            Listing(src.workflow, tuple(p.ci.branches), tuple(p.ci.events)),
            job_glob=src.job,
            step_glob=src.step,
            since=now - timedelta(seconds=p.build_time.window),
            now=now,
        )
    except GitHubApiError as err:
        problems.append(err.to_problem(p.history.on_api_error))
        return []
    return samples


def _baseline(
    history: Sequence[Record],
    ctx: RunContext,
    opts: CheckOptions,
    event: Mapping[str, Any],
    env: Mapping[str, str],
    client: GitHubClient | None,
    now: datetime,
    on_api_error: Literal["warn", "fail"],
    problems: list[Problem],
) -> tuple[Record | None, str]:
    if opts.baseline is None and client is not None and ctx.event in PR_EVENTS:
        found, more = find_baseline(
            history,
            PullRequestRef.from_event(event, env),
            GitHubCommits(client),
            now,
            on_api_error=on_api_error,
        )
        problems.extend(more)
        if found is not None:
            return found.record, found.how
    return pick_baseline(history, ctx.baseline_branch, ctx.commit, opts.baseline)


def _override(opts: CheckOptions, env: Mapping[str, str], now: datetime) -> Override | None:
    if not opts.override:
        return None
    who = opts.override_by or env.get("GITHUB_ACTOR") or _local_user()
    return Override(by=who, reason=opts.override, at=now, source="cli")


def _local_user() -> str:
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
    build: BuildTimeMeasurement,
) -> Record:
    return Record(
        recorded_at=now,
        commit=ctx.commit,
        branch=ctx.branch,
        event=ctx.event,
        run_id=ctx.run_id,
        decision=verdict.decision,
        bundles=bundle_record(verdict.bundles, bundles) if verdict.bundles else None,
        tests=record_tests(tests) if tests is not None else None,
        build_time_s=build.seconds,
    )


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if env.get("GITHUB_ACTIONS") != "true" or not path:
        return {}
    return load_event_file(Path(path))


def _tests(loaded: LoadedPolicy, opts: CheckOptions, ws: Path) -> TestReport | None:
    t = loaded.policy.tests
    if not (opts.junit or opts.playwright or t.junit or t.playwright):
        return None
    return collect_tests(t, ws, list(opts.junit), list(opts.playwright))


def _server(loaded: LoadedPolicy, ws: Path, now: datetime) -> ServerMeasurement | None:
    p = loaded.policy
    return collect_server_logs(p.server, p.budget, ws, now) if p.server.logs else None


def perform_check(opts: CheckOptions, env: Mapping[str, str], clock: Clock) -> CheckRun:
    """Collect, evaluate and record one gate run; raise only for errors the user must fix."""
    now = opts.now or clock()
    ctx = run_context(env, opts.workspace, opts.commit, opts.branch)
    loaded = load_policy(opts.config, ctx.workspace)
    policy = loaded.policy
    event = _event(env)
    problems: list[Problem] = []
    client = _client(env, opts) if _needs_github(loaded, opts, ctx.event) else None
    store, store_problems = _open_store(loaded, opts, ctx, env, client, now)
    problems.extend(store_problems)
    history = list(store.read()) if store is not None else []
    problems.extend(store.problems if store is not None else ())
    baseline, how = _baseline(
        history, ctx, opts, event, env, client, now, policy.history.on_api_error, problems
    )
    reader = WorkflowRunReader(client, _run_cache(store, ctx, loaded)) if client else None
    bundles = collect_bundles(policy.bundles, ctx.workspace, known_files(history), opts.workers)
    tests = _tests(loaded, opts, ctx.workspace)
    build = collect_build_time(
        policy.build_time.from_,
        workspace=ctx.workspace,
        reader=reader,
        env=env,
        on_api_error=policy.history.on_api_error,
    )
    problems.extend(build.problems)
    ci_runs = _ci_runs(loaded, reader, now, problems)
    past_builds = _build_history(loaded, reader, now, problems)
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
            server=_server(loaded, ctx.workspace, now),
            ci_runs=ci_runs,
            build_this_run=BuildSample(now, build.seconds, run_id) if build.seconds else None,
            build_samples=tuple(past_builds),
            build_time_configured=policy.build_time.from_ is not None,
            override=_override(opts, env, now) or freeze,
            accept_increase=accept,
        )
    )
    log: list[str] = []
    # Pull requests read the history and never write it (their code is not yet trusted).
    if store is not None and not opts.no_record and ctx.event not in PR_EVENTS:
        try:
            store.append(_record(verdict, ctx, now, bundles, tests, build))
        except GitHubError as exc:
            log.append(f"history not recorded: {exc.message}")
    if client is not None:
        log.append(client.summary())
    return CheckRun(
        verdict=verdict,
        loaded=loaded,
        context=ctx,
        history=history,
        store_name=store.name if store is not None else "off",
        client=client,
        event=event,
        log=log,
        annotations=[
            *verdict_annotations(verdict, loaded.path, loaded.line_of),
            *(tests.annotations if tests is not None else ()),
        ],
    )
