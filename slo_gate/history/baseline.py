"""The baseline of a pull request, found through the GitHub API.

A pull request is compared with what its base branch measured at the point the pull request
starts from:

1. the first parent of the merge commit GitHub built for it (``GITHUB_SHA`` on
   ``pull_request`` events is ``refs/pull/N/merge``, whose first parent is the base tip);
2. else the merge-base of base and head (compare API);
3. if that commit has no record (its run was skipped, failed early, or is still running), the
   nearest first-parent ancestor that has one: first parents follow the base branch itself,
   never the side branches merged into it.

The result says which commit, how many first-parent steps back, and how old the record is, so
a report can say "compared with 3f9a1c2 (2 commits before the merge-base, recorded 5 h ago)".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from slo_gate.github.api_error import GitHubApiError, github_error
from slo_gate.github.connection import OnApiError
from slo_gate.measurements import Problem
from slo_gate.records import Record
from slo_gate.verdict import Baseline

if TYPE_CHECKING:
    from slo_gate.github.client import GitHubClient


@dataclass(frozen=True)
class PullRequestRef:
    """The commits of a pull request that the baseline rules need."""

    number: int | None = None
    base_ref: str | None = None
    base_sha: str | None = None
    head_sha: str | None = None
    merge_commit_sha: str | None = None

    @classmethod
    def from_event(cls, payload: Mapping[str, Any], event_name: str, sha: str) -> PullRequestRef:
        """From the event payload and the run's commit (on ``pull_request`` the merge commit)."""
        pr = _mapping(payload.get("pull_request"))
        base, head = _mapping(pr.get("base")), _mapping(pr.get("head"))
        # On pull_request GITHUB_SHA is the merge commit; on pull_request_target it is the
        # base tip, which has no merge-commit parent to take.
        merge = sha if event_name == "pull_request" else None
        number = pr.get("number")
        return cls(
            number=number if isinstance(number, int) else None,
            base_ref=_str(base.get("ref")),
            base_sha=_str(base.get("sha")),
            head_sha=_str(head.get("sha")),
            merge_commit_sha=merge or None,
        )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class CommitSource(Protocol):
    """The three questions the rules ask about commits."""

    def first_parent(self, sha: str) -> str | None: ...

    def merge_base(self, base: str, head: str) -> str | None: ...

    def first_parent_chain(self, sha: str, limit: int) -> list[str]:
        """``sha`` and its first-parent ancestors, nearest first, at most ``limit`` of them."""
        ...


class GitHubCommits:
    """``CommitSource`` over the REST API (PyGithub): one request per question, mostly."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client

    def first_parent(self, sha: str) -> str | None:
        try:
            parents = self.client.repo().get_commit(sha).parents
        except Exception as exc:
            raise github_error(exc, f"reading commit {sha[:12]}") from None
        return parents[0].sha if parents else None

    def merge_base(self, base: str, head: str) -> str | None:
        try:
            comparison = self.client.repo().compare(base, head)
            return comparison.merge_base_commit.sha
        except Exception as exc:
            error = github_error(exc, f"comparing {base[:12]}...{head[:12]}")
            if error.status == 404:
                return None  # e.g. the head is in a deleted fork
            raise error from None

    def first_parent_chain(self, sha: str, limit: int) -> list[str]:
        """Walk first parents through the commit listing: 100 commits per request.

        The listing (``GET /commits?sha=``) holds every ancestor, side branches too; the walk
        follows ``parents[0]`` through it and asks for the next page only when the chain leaves
        the commits seen so far.
        """
        chain = [sha]
        seen: dict[str, str | None] = {}
        start = sha
        try:
            while len(chain) < limit:
                if chain[-1] not in seen:
                    for commit in self.client.repo().get_commits(sha=start).get_page(0):
                        seen[commit.sha] = commit.parents[0].sha if commit.parents else None
                    if chain[-1] not in seen:
                        break
                parent = seen[chain[-1]]
                if parent is None:
                    break
                chain.append(parent)
                start = parent
        except GitHubApiError:
            raise
        except Exception as exc:
            raise github_error(exc, f"walking first parents from {sha[:12]}") from None
        return chain[:limit]


@dataclass(frozen=True)
class BaselineResult:
    record: Record
    commit: str
    base_commit: str
    distance: int
    age_s: float
    how: str

    def to_verdict(self) -> Baseline:
        return Baseline(
            commit=self.commit,
            branch=self.record.branch,
            recorded_at=self.record.recorded_at,
            how=self.how,
        )


def latest_per_commit(records: Sequence[Record]) -> dict[str, Record]:
    """The newest record of each commit (a commit may have been measured more than once)."""
    index: dict[str, Record] = {}
    for record in records:
        if record.commit is None:
            continue
        old = index.get(record.commit)
        if old is None or record.recorded_at >= old.recorded_at:
            index[record.commit] = record
    return index


def _age(now: datetime, record: Record) -> float:
    return max(0.0, (now - record.recorded_at).total_seconds())


def _human_age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def find_baseline(
    records: Sequence[Record],
    pr: PullRequestRef,
    commits: CommitSource,
    now: datetime,
    *,
    max_depth: int = 100,
    on_api_error: OnApiError = "warn",
) -> tuple[BaselineResult | None, list[Problem]]:
    """The record a pull request is compared with, or ``None`` with a problem saying why."""
    index = latest_per_commit(records)
    try:
        base, rule = _base_commit(pr, commits)
        if base is None:
            return None, [_problem("baseline-no-base", _no_base_message(pr), "warning")]
        if base in index:
            record = index[base]
            how = f"{rule} {base[:7]}, recorded {_human_age(_age(now, record))} ago"
            return BaselineResult(record, base, base, 0, _age(now, record), how), []
        chain = commits.first_parent_chain(base, max_depth + 1)
    except GitHubApiError as err:
        return None, [err.to_problem(on_api_error)]
    for distance, sha in enumerate(chain[1:], start=1):
        if sha in index:
            record = index[sha]
            how = (
                f"nearest first-parent ancestor with a record: {sha[:7]}, {distance} "
                f"commit{'s' if distance > 1 else ''} before the {rule} {base[:7]}, recorded "
                f"{_human_age(_age(now, record))} ago"
            )
            return BaselineResult(record, sha, base, distance, _age(now, record), how), []
    return None, [
        _problem(
            "baseline-none",
            f"no history record for {base[:7]} ({rule}) or its {len(chain) - 1} nearest "
            "first-parent ancestors; sizes are shown without deltas. fix: let slo-gate record "
            "pushes to the base branch (history is written on trusted events only)",
            "notice",
        )
    ]


def _base_commit(pr: PullRequestRef, commits: CommitSource) -> tuple[str | None, str]:
    if pr.merge_commit_sha:
        parent = commits.first_parent(pr.merge_commit_sha)
        if parent:
            return parent, "first parent of the merge commit"
    if pr.base_sha and pr.head_sha:
        merge_base = commits.merge_base(pr.base_sha, pr.head_sha)
        if merge_base:
            return merge_base, "merge-base"
    return None, ""


def _no_base_message(pr: PullRequestRef) -> str:
    return (
        "cannot find the base of this pull request: no merge commit and no base/head pair to "
        "compare; fix: run on pull_request events (GITHUB_SHA is the merge commit) or pass the "
        "event payload (GITHUB_EVENT_PATH)"
        + (f" (pull request #{pr.number})" if pr.number is not None else "")
    )


def _problem(code: str, message: str, level: str) -> Problem:
    return Problem(
        code=code,
        message=message,
        level="notice" if level == "notice" else "warning",
        source="baseline",
    )
