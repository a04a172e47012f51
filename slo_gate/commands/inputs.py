"""The inputs every command resolves the same way: GitHub, the history store, CI runs.

``check`` (and the Action, which runs it) and ``report`` both come through here, so they cannot
diverge: the same client for the same repository, the same history store (the local file or the
GitHub data branch, as the policy says), the same workflow-run cache and the same CI options
(workflows, branches, events, attempts, ``on_api_error``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from slo_gate.config.policy import Policy
from slo_gate.github.connection import Connection
from slo_gate.github.shared import ClientFactory, SharedClient
from slo_gate.history.file_store import FileStore
from slo_gate.history.store import HistoryStore
from slo_gate.measurements import Problem
from slo_gate.runenv import RunEnv

if TYPE_CHECKING:
    from slo_gate.github.client import GitHubClient
    from slo_gate.history.run_cache import RunCacheStore
    from slo_gate.history.workflow_runs import CiHistory, WorkflowRunReader

Clock = Callable[[], datetime]
StoreKind = Literal["file", "github-branch", "off"]
PR_EVENTS = ("pull_request", "pull_request_target")


def connection(
    run: RunEnv, *, token: str | None = None, repository: str | None = None
) -> Connection:
    """Where GitHub is: the run's API URL; the repository and token unless given."""
    return Connection(
        repository=repository or run.repository,
        token=(run.token if token is None else token) or None,
        api_url=run.api_url,
    )


def shared_client(
    run: RunEnv,
    *,
    token: str | None = None,
    repository: str | None = None,
    factory: ClientFactory | None = None,
) -> SharedClient:
    """The run's one client (built on first use)."""
    conn = connection(run, token=token, repository=repository)
    return SharedClient(conn, factory)


def workspace_of(run: RunEnv, given: Path | None) -> Path:
    """``--workspace``, else the runner's workspace, else the current folder."""
    return given or Path(run.workspace or ".")


def api_level(on_api_error: Literal["warn", "fail"]) -> Literal["warning", "error"]:
    return "error" if on_api_error == "fail" else "warning"


def github_missing(what: str, level: Literal["warning", "error"]) -> Problem:
    return Problem(
        code="github-not-configured",
        message=f"{what} needs the GitHub API, but there is no token or repository: it has no "
        "data. In a workflow pass github-token; locally set GITHUB_TOKEN and pass --repo "
        "owner/name",
        level=level,
        source="github",
    )


@dataclass(frozen=True)
class StoreChoice:
    """What the command line or the action's inputs say about the history store."""

    path: Path | None = None  # --history: a local file, whatever the policy says
    kind: StoreKind | None = None  # the action's `history` input; None: the policy's


def store_kind(policy: Policy, choice: StoreChoice) -> StoreKind:
    return choice.kind or policy.history.store


def open_store(
    policy: Policy,
    workspace: Path,
    choice: StoreChoice,
    run: RunEnv,
    client: GitHubClient | None,
    now: datetime,
) -> tuple[HistoryStore | None, list[Problem]]:
    """The history store the policy names; the data branch needs a client (else a problem)."""
    hist = policy.history
    kind = store_kind(policy, choice)
    if kind == "off":
        return None, []
    if kind == "github-branch" and choice.path is None:
        if client is None:
            return None, [
                github_missing("history.store: github-branch", api_level(hist.on_api_error))
            ]
        # the data branch's store uses PyGithub's types: imported only when it is chosen
        from slo_gate.history.github_branch import EventContext, GitHubBranchStore

        context = EventContext(run.event_name, run.ref, tuple(policy.ci.branches))
        store = GitHubBranchStore(
            client, context=context, now=now, branch=hist.branch, on_api_error=hist.on_api_error
        )
        return store, []
    path = choice.path if choice.path is not None else workspace / hist.file
    shown = str(choice.path) if choice.path is not None else hist.file
    seed = workspace / hist.seed if hist.seed else None
    return FileStore(path, shown, seed=seed, now=now), []


def run_cache(store: HistoryStore | None, workspace: Path, policy: Policy) -> RunCacheStore:
    """Workflow-run summaries are cached beside the history (the data branch, or a folder)."""
    cache = store.run_cache() if store is not None else None
    if cache is not None:
        return cache
    from slo_gate.history.run_cache import JsonFileRunCache

    return JsonFileRunCache(workspace / Path(policy.history.file).parent / "runs")


def run_reader(
    client: GitHubClient | None, store: HistoryStore | None, workspace: Path, policy: Policy
) -> WorkflowRunReader | None:
    if client is None:
        return None
    from slo_gate.history.workflow_runs import WorkflowRunReader  # only runs that read GitHub

    return WorkflowRunReader(client, run_cache(store, workspace, policy))


def read_ci(
    policy: Policy, reader: WorkflowRunReader, *, since: datetime, now: datetime
) -> CiHistory:
    """The configured workflows' runs, with the policy's CI options (gate and report alike)."""
    from slo_gate.history.workflow_runs import read_ci_history

    ci = policy.ci
    return read_ci_history(
        reader,
        ci.workflows,
        ci.branches,
        since=since,
        now=now,
        first_attempts=ci.attempts == "first",
        events=ci.events,
        on_api_error=policy.history.on_api_error,
    )
