"""Workflow-run history from the GitHub API: pass rates and build durations, synced incrementally.

Request budget (the Actions token has about 1,000 requests an hour per repository, shared by
every workflow), so:

- runs are listed with server-side filters (``branch``, ``event``, ``status=completed``,
  ``created`` ranges) at 100 per page; a pass rate never needs a per-run call;
- a filtered listing stops at 1,000 results, so a ``created`` range whose ``total_count`` reaches
  the cap is split in halves until each half fits;
- the summaries already fetched are kept in a cache document (``WorkflowCache``) in the history
  store, so a warm run lists only what is new: runs created since the last sync, minus an overlap
  that catches runs completed or re-run since;
- jobs (for build durations) are fetched once per run and attempt and cached too.

Listings go through the PyGithub requester (``requestJsonAndCheck``) rather than
``Workflow.get_runs()``: PyGithub's list items complete themselves lazily, so a field missing from
a listing (older GitHub Enterprise Server versions omit some) would silently turn into one request
per run. Here every field is read from the listing JSON, and paging follows the ``Link`` header.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from slo_gate.engine.ci import latest_by_id
from slo_gate.formatting import counted
from slo_gate.github.api_error import GitHubApiError, github_error
from slo_gate.github.connection import OnApiError
from slo_gate.github.paging import next_link, parse_time
from slo_gate.globs import name_match
from slo_gate.history.run_cache import (
    BuildDuration,
    MemoryRunCache,
    RunCacheStore,
    WorkflowCache,
)
from slo_gate.measurements import Problem
from slo_gate.runs import BuildSample, RunSummary

if TYPE_CHECKING:
    from slo_gate.github.client import GitHubClient

LISTING_CAP = 1000
#: the hourly request limit assumed until a response states it (the Actions token's)
HOURLY_LIMIT = 1000
#: the share of the hourly limit one run may spend on jobs calls for past builds
BACKFILL_SHARE = 0.10
DAY = 86400.0
#: jobs never run for these conclusions: no jobs call is spent on them
NO_JOBS = frozenset({"skipped", "action_required", "startup_failure"})


# ----------------------------------------------------------------------------- parsing


def summary_from_json(run: Mapping[str, Any], workflow: str) -> RunSummary | None:
    """A ``RunSummary`` from one listed run; ``None`` for an entry without id or creation time."""
    created = parse_time(run.get("created_at"))
    run_id = run.get("id")
    if created is None or not isinstance(run_id, int):
        return None
    attempt = run.get("run_attempt")
    return RunSummary(
        id=run_id,
        workflow=workflow,
        name=str(run.get("name") or ""),
        head_branch=run.get("head_branch") if isinstance(run.get("head_branch"), str) else None,
        head_sha=str(run.get("head_sha") or ""),
        event=str(run.get("event") or ""),
        status=str(run.get("status") or ""),
        conclusion=run.get("conclusion") if isinstance(run.get("conclusion"), str) else None,
        run_attempt=attempt if isinstance(attempt, int) and attempt > 0 else 1,
        created_at=created,
        updated_at=parse_time(run.get("updated_at")),
    )


def created_range(start: datetime, end: datetime) -> str:
    """GitHub's ``created`` qualifier for an inclusive range, in UTC with ``Z``."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f"{start.astimezone(UTC).strftime(fmt)}..{end.astimezone(UTC).strftime(fmt)}"


def _seconds(start: Any, end: Any) -> float | None:
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None or b < a:
        return None
    return (b - a).total_seconds()


def leg_seconds(job: Mapping[str, Any], step_glob: str | None) -> float | None:
    """Duration of one job (or of its matching successful steps, summed: they run in order)."""
    if step_glob is None:
        if job.get("conclusion") != "success":
            return None
        return _seconds(job.get("started_at"), job.get("completed_at"))
    total, found = 0.0, False
    for step in job.get("steps") or []:
        if not isinstance(step, Mapping) or not name_match(step_glob, str(step.get("name", ""))):
            continue
        if step.get("conclusion") != "success":
            continue
        seconds = _seconds(step.get("started_at"), step.get("completed_at"))
        if seconds is not None:
            total, found = total + seconds, True
    return total if found else None


def build_seconds(
    jobs: Iterable[Mapping[str, Any]], job_glob: str | None, step_glob: str | None
) -> tuple[float | None, dict[str, float], str]:
    """Build time of one run: the longest matching leg (matrix legs run side by side).

    Returns (seconds, per-leg seconds, reason when there is no duration).
    """
    legs: dict[str, float] = {}
    matched = 0
    for job in jobs:
        name = str(job.get("name", ""))
        if job_glob is not None and not name_match(job_glob, name):
            continue
        matched += 1
        seconds = leg_seconds(job, step_glob)
        if seconds is not None:
            legs[name] = seconds
    if legs:
        return max(legs.values()), legs, ""
    if matched == 0:
        return None, {}, f"no job matches {job_glob!r}"
    what = f"step {step_glob!r}" if step_glob else "job"
    return None, {}, f"no successful {what} in the {counted(matched, 'matching job')}"


# ----------------------------------------------------------------------------- the reader


@dataclass(frozen=True)
class Listing:
    """What to list: one workflow on some branches, for some events (empty: all)."""

    workflow: str
    branches: tuple[str, ...] = ()
    events: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return json.dumps([self.workflow, sorted(self.branches), sorted(self.events)])


@dataclass(frozen=True)
class Backfill:
    """How far one run got in fetching the jobs of past builds (newest first)."""

    read: int  # runs whose jobs were read this time
    left: int  # runs still without a build duration, for the next runs
    allowed: int  # requests this run could spend on jobs calls
    spent: int

    def describe(self) -> str:
        left = counted(self.left, "older run")
        done = f"{left} left for later runs" if self.left else "complete"
        return (
            f"build-time backfill: read the jobs of {counted(self.read, 'run')} with "
            f"{self.spent} of {self.allowed} allowed requests; {done}"
        )


@dataclass
class SyncResult:
    runs: list[RunSummary]
    cold: bool
    requests: int
    listed: int
    problems: list[Problem] = field(default_factory=list)
    backfill: Backfill | None = None


class WorkflowRunReader:
    """Lists workflow runs and jobs through the client, keeping a cache in ``cache``.

    ``overlap_s`` is how far before the last sync a warm run lists again, to see runs that were
    still in progress then, or were re-run since. ``retention_s`` bounds what the cache keeps.
    """

    def __init__(
        self,
        client: GitHubClient,
        cache: RunCacheStore | None = None,
        *,
        overlap_s: float = 2 * DAY,
        retention_s: float = 45 * DAY,
        cap: int = LISTING_CAP,
    ) -> None:
        self.client = client
        self.cache: RunCacheStore = cache if cache is not None else MemoryRunCache()
        self.overlap_s = overlap_s
        self.retention_s = retention_s
        self.cap = cap

    # -- raw calls

    def _get(
        self, url: str, params: dict[str, Any] | None, doing: str
    ) -> tuple[dict[str, Any], Any]:
        try:
            headers, data = self.client.requester.requestJsonAndCheck("GET", url, parameters=params)
        except Exception as exc:
            raise github_error(exc, doing) from None
        return headers, data

    def _runs_url(self, workflow: str) -> str:
        return f"{self.client.repo_url}/actions/workflows/{quote(workflow, safe='')}/runs"

    def list_range(
        self,
        listing: Listing,
        branch: str | None,
        event: str | None,
        start: datetime,
        end: datetime,
    ) -> list[RunSummary]:
        """Completed runs created in ``[start, end]``, split so no listing reaches the cap."""
        params: dict[str, Any] = {
            "status": "completed",
            "created": created_range(start, end),
            "per_page": 100,
            "exclude_pull_requests": "true",
        }
        if branch:
            params["branch"] = branch
        if event:
            params["event"] = event
        doing = f"listing runs of workflow {listing.workflow!r}"
        headers, data = self._get(self._runs_url(listing.workflow), params, doing)
        total = data.get("total_count", 0) if isinstance(data, dict) else 0
        if isinstance(total, int) and total >= self.cap and end - start > timedelta(seconds=1):
            mid = start + (end - start) / 2
            mid = mid.replace(microsecond=0)
            return [
                *self.list_range(listing, branch, event, start, mid),
                *self.list_range(listing, branch, event, mid + timedelta(seconds=1), end),
            ]
        runs = self._page_runs(data, listing.workflow)
        url = next_link(headers)
        pages = 1
        while url and pages <= self.cap // 100 + 1:
            headers, data = self._get(url, None, doing)
            runs.extend(self._page_runs(data, listing.workflow))
            url, pages = next_link(headers), pages + 1
        return runs

    @staticmethod
    def _page_runs(data: Any, workflow: str) -> list[RunSummary]:
        items = data.get("workflow_runs", []) if isinstance(data, dict) else []
        out = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                summary = summary_from_json(item, workflow)
                if summary is not None:
                    out.append(summary)
        return out

    def first_attempt_conclusion(self, run_id: int) -> str | None:
        """Conclusion of attempt 1 of a re-run run (one request; only when the policy asks)."""
        _, data = self._get(
            f"{self.client.repo_url}/actions/runs/{run_id}/attempts/1",
            None,
            f"reading attempt 1 of run {run_id}",
        )
        value = data.get("conclusion") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    def jobs(self, run_id: int, attempt: int | None = None) -> list[dict[str, Any]]:
        """Jobs of one run attempt (all pages: large matrices have more than 100 jobs)."""
        path = f"attempts/{attempt}/jobs" if attempt else "jobs"
        url: str | None = f"{self.client.repo_url}/actions/runs/{run_id}/{path}"
        params: dict[str, Any] | None = {"per_page": 100}
        jobs: list[dict[str, Any]] = []
        while url:
            headers, data = self._get(url, params, f"reading jobs of run {run_id}")
            items = data.get("jobs", []) if isinstance(data, dict) else []
            jobs.extend(j for j in items if isinstance(j, dict))
            url, params = next_link(headers), None
        return jobs

    # -- sync

    def sync(
        self,
        listing: Listing,
        *,
        since: datetime,
        now: datetime,
        first_attempts: bool = False,
    ) -> SyncResult:
        """Runs created in ``[since, now]``: the cache plus a listing of what is new."""
        before = self.client.stats.requests
        cache = self.cache.load(listing.key)
        cold = (
            cache is None
            or cache.synced_from is None
            or cache.synced_until is None
            or cache.synced_from > since
        )
        if cache is None or cold:
            cache = WorkflowCache(key=listing.key)
            start = since
        else:
            assert cache.synced_until is not None
            start = max(since, cache.synced_until - timedelta(seconds=self.overlap_s))
        listed: list[RunSummary] = []
        for branch in listing.branches or (None,):
            for event in listing.events or (None,):
                listed.extend(self.list_range(listing, branch, event, start, now))
        merged = self._merge(cache, listed, start, now, first_attempts)
        self.cache.save(merged)
        runs = [r for r in merged.runs.values() if since <= r.created_at <= now]
        return SyncResult(
            latest_by_id(runs), cold, self.client.stats.requests - before, len(listed)
        )

    def _merge(
        self,
        cache: WorkflowCache,
        listed: Sequence[RunSummary],
        start: datetime,
        now: datetime,
        first_attempts: bool,
    ) -> WorkflowCache:
        keep_after = now - timedelta(seconds=self.retention_s)
        runs = {k: r for k, r in cache.runs.items() if r.created_at >= keep_after}
        for run in listed:
            old = runs.get(str(run.id))
            if old is not None and old.run_attempt == run.run_attempt:
                run = run.model_copy(
                    update={"first_attempt_conclusion": old.first_attempt_conclusion}
                )
            if first_attempts and run.run_attempt > 1 and run.first_attempt_conclusion is None:
                run = run.model_copy(
                    update={"first_attempt_conclusion": self.first_attempt_conclusion(run.id)}
                )
            if old is None or latest_by_id([old, run])[0] is run:
                runs[str(run.id)] = run
        builds = {k: b for k, b in cache.builds.items() if k in runs}
        synced_from = start if cache.synced_from is None else min(cache.synced_from, start)
        return WorkflowCache(
            key=cache.key,
            synced_from=max(synced_from, keep_after),
            synced_until=now,
            runs=runs,
            builds=builds,
        )

    # -- build durations

    def build_durations(
        self,
        listing: Listing,
        *,
        job_glob: str | None,
        step_glob: str | None,
        since: datetime,
        now: datetime,
        budget_share: float = BACKFILL_SHARE,
    ) -> tuple[list[BuildSample], SyncResult]:
        """Build time of every completed run in the window; jobs fetched only for new runs.

        Jobs calls spend at most ``budget_share`` of the hourly request limit (the limit GitHub
        states, else ``HOURLY_LIMIT``): the newest runs first; what is left is fetched by the
        next runs, which find the durations already read in the cache. How far it got is in
        ``SyncResult.backfill`` and on the request summary line when runs are left.
        """
        before = self.client.stats.requests
        result = self.sync(listing, since=since, now=now)
        cache = self.cache.load(listing.key) or WorkflowCache(key=listing.key)
        builds = dict(cache.builds)
        todo = [
            run
            for run in result.runs
            if (known := builds.get(str(run.id))) is None or known.run_attempt != run.run_attempt
        ]
        todo.sort(key=lambda run: (run.created_at, run.id), reverse=True)
        _remaining, limit, _reset = self.client.rate_limit()
        allowed = math.floor(max(0.0, budget_share) * (limit or HOURLY_LIMIT))
        start = self.client.stats.requests
        read = 0
        for run in todo:
            if run.conclusion not in NO_JOBS and self.client.stats.requests - start >= allowed:
                continue  # no budget left for a jobs call; free durations still go in
            builds[str(run.id)] = self._duration(run, job_glob, step_glob)
            read += 1
        if read:
            self.cache.save(cache.model_copy(update={"builds": builds}))
        result.backfill = Backfill(
            read=read,
            left=len(todo) - read,
            allowed=allowed,
            spent=self.client.stats.requests - start,
        )
        if result.backfill.left:
            self.client.stats.add_note(result.backfill.describe())
        samples = [
            BuildSample(at=b.created_at, seconds=b.seconds, run_id=b.run_id)
            for b in builds.values()
            if b.seconds is not None and since <= b.created_at <= now
        ]
        result.requests = self.client.stats.requests - before
        return sorted(samples, key=lambda s: s.at), result

    def _duration(
        self, run: RunSummary, job_glob: str | None, step_glob: str | None
    ) -> BuildDuration:
        if run.conclusion in NO_JOBS:
            return BuildDuration(
                run_id=run.id,
                run_attempt=run.run_attempt,
                created_at=run.created_at,
                reason=f"run concluded {run.conclusion}: no jobs ran",
            )
        jobs = self.jobs(run.id, run.run_attempt)
        seconds, legs, reason = build_seconds(jobs, job_glob, step_glob)
        return BuildDuration(
            run_id=run.id,
            run_attempt=run.run_attempt,
            created_at=run.created_at,
            seconds=seconds,
            legs=legs,
            reason=reason,
        )


# ----------------------------------------------------------------------------- entry points


@dataclass
class CiHistory:
    """What the CLI hands to the engine: runs (or none) and the problems met."""

    runs: list[RunSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    available: bool = True


def read_ci_history(
    reader: WorkflowRunReader,
    workflows: Sequence[str],
    branches: Sequence[str],
    *,
    since: datetime,
    now: datetime,
    first_attempts: bool = False,
    events: Sequence[str] = (),
    on_api_error: OnApiError = "warn",
) -> CiHistory:
    """Runs of every configured workflow; API failures become named problems, never a pass.

    With no workflow configured the CI SLO has no input at all: that is a problem too, so a
    missing ``ci.workflows`` cannot read as a healthy pipeline.
    """
    if not workflows:
        return CiHistory(
            problems=[
                Problem(
                    code="ci-no-workflows",
                    message="no workflow is configured for the CI pass rate; fix: set "
                    "ci.workflows in the policy, e.g. [ci.yml]",
                    path=".github/slo-gate.yml",
                    level="warning",
                    source="ci",
                )
            ],
            available=False,
        )
    out = CiHistory()
    for workflow in workflows:
        listing = Listing(workflow, tuple(branches), tuple(events))
        try:
            result = reader.sync(listing, since=since, now=now, first_attempts=first_attempts)
        except GitHubApiError as err:
            out.problems.append(err.to_problem(on_api_error, path=workflow))
            out.available = False
            continue
        out.runs.extend(result.runs)
    if not out.available:
        out.runs = []  # a partial set of workflows would pass on a subset
    return out


def ensure_utc(now: datetime) -> datetime:
    """The engine and the listings compare aware datetimes; naive input is taken as UTC."""
    return now if now.tzinfo else now.replace(tzinfo=UTC)
