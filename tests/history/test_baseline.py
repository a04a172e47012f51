"""PR baseline rules: merge commit's first parent, else merge-base, else nearest first parent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses

from slo_gate.commands.inputs import connection
from slo_gate.github.client import ClientSettings, GitHubClient, make_client
from slo_gate.history.baseline import (
    GitHubCommits,
    PullRequestRef,
    find_baseline,
)
from slo_gate.records import Record
from slo_gate.runenv import RunEnv
from tests.fakes.github_server import State, serve

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)

#   main:  m1 <- m2 <- m3 <- m4 (m4 merges side branch s1 as its second parent)
#   side:  m1 <- s1
#   PR head h1 branches off m4; GitHub's merge commit M has parents [m4, h1]
GRAPH = {
    "m1": [],
    "s1": ["m1"],
    "m2": ["m1"],
    "m3": ["m2"],
    "m4": ["m3", "s1"],
    "h1": ["m4"],
    "M": ["m4", "h1"],
}


class FakeCommits:
    """In-memory ``CommitSource`` over GRAPH, counting questions."""

    def __init__(self, graph: dict[str, list[str]] = GRAPH) -> None:
        self.graph = graph
        self.calls: list[str] = []

    def first_parent(self, sha: str) -> str | None:
        self.calls.append(f"parent {sha}")
        parents = self.graph.get(sha)
        return parents[0] if parents else None

    def merge_base(self, base: str, head: str) -> str | None:
        self.calls.append(f"merge-base {base} {head}")

        def ancestors(s: str) -> list[str]:
            out, todo = [], [s]
            while todo:
                x = todo.pop(0)
                if x not in out:
                    out.append(x)
                    todo.extend(self.graph.get(x, []))
            return out

        mine = set(ancestors(base))
        return next((s for s in ancestors(head) if s in mine), None)

    def first_parent_chain(self, sha: str, limit: int) -> list[str]:
        self.calls.append(f"chain {sha}")
        chain = [sha]
        while len(chain) < limit and self.graph.get(chain[-1]):
            chain.append(self.graph[chain[-1]][0])
        return chain


def rec(commit: str, hours_ago: float) -> Record:
    return Record(recorded_at=NOW - timedelta(hours=hours_ago), commit=commit, branch="main")


@pytest.mark.parametrize(
    ("records", "pr", "commit", "distance", "how_starts"),
    [
        pytest.param(
            [rec("m4", 2), rec("m3", 5)],
            PullRequestRef(merge_commit_sha="M", base_sha="m3", head_sha="h1"),
            "m4",
            0,
            "first parent of the merge commit m4",
            id="merge-commit-first-parent",
        ),
        pytest.param(
            [rec("m4", 2)],
            PullRequestRef(base_sha="m4", head_sha="h1"),
            "m4",
            0,
            "merge-base m4",
            id="merge-base-without-merge-commit",
        ),
        # m4 has no record: walk first parents m3 (no) -> m2 (yes); s1 is never considered
        pytest.param(
            [rec("m2", 30), rec("s1", 1)],
            PullRequestRef(merge_commit_sha="M"),
            "m2",
            2,
            "nearest first-parent ancestor with a record: m2, 2 commits before",
            id="nearest-first-parent-ancestor",
        ),
        # the newest record of a commit measured twice wins
        pytest.param(
            [rec("m4", 10), rec("m4", 1)],
            PullRequestRef(merge_commit_sha="M"),
            "m4",
            0,
            "first parent of the merge commit m4, recorded 1 h ago",
            id="newest-record-of-commit",
        ),
    ],
)
def test_baseline_rules(
    records: list[Record], pr: PullRequestRef, commit: str, distance: int, how_starts: str
) -> None:
    result, problems = find_baseline(records, pr, FakeCommits(), NOW)
    assert problems == []
    assert result is not None
    assert (result.commit, result.distance) == (commit, distance)
    assert result.how.startswith(how_starts)


def test_age_is_reported() -> None:
    result, _ = find_baseline(
        [rec("m2", 30)], PullRequestRef(merge_commit_sha="M"), FakeCommits(), NOW
    )
    assert result is not None
    assert result.age_s == 30 * 3600
    assert result.base_commit == "m4"
    assert result.how.endswith("recorded 1 d ago")
    assert result.to_verdict().commit == "m2"


def test_no_record_anywhere_is_a_notice() -> None:
    result, problems = find_baseline(
        [rec("zz", 1)], PullRequestRef(merge_commit_sha="M"), FakeCommits(), NOW
    )
    assert result is None
    assert [(p.code, p.level) for p in problems] == [("baseline-none", "notice")]
    assert "m4" in problems[0].message and "3 nearest" in problems[0].message  # m3, m2, m1


def test_no_base_at_all_says_how_to_fix() -> None:
    result, problems = find_baseline([], PullRequestRef(number=7), FakeCommits(), NOW)
    assert result is None
    assert problems[0].code == "baseline-no-base" and "GITHUB_EVENT_PATH" in problems[0].message


def test_from_event_takes_the_merge_commit_only_on_pull_request() -> None:
    payload = {
        "pull_request": {"number": 7, "base": {"ref": "main", "sha": "b"}, "head": {"sha": "h"}}
    }
    pr = PullRequestRef.from_event(payload, "pull_request", "M")
    assert pr == PullRequestRef(7, "main", "b", "h", "M")
    target = PullRequestRef.from_event(payload, "pull_request_target", "b")
    assert target.merge_commit_sha is None


# ----------------------------------------------------------------------------- through the API


def gh(url: str | None = None) -> GitHubClient:
    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r"} | (
        {"GITHUB_API_URL": url} if url else {}
    )
    return make_client(
        connection(RunEnv.from_environ(env)),
        settings=ClientSettings(seconds_between_writes=None),
        sleeper=lambda s: None,
    )


def test_github_commits_through_a_local_server() -> None:
    with serve(State(commits=GRAPH)) as (url, st):
        commits = GitHubCommits(gh(url))
        result, problems = find_baseline(
            [rec("m2", 3)], PullRequestRef(merge_commit_sha="M"), commits, NOW
        )
        assert commits.merge_base("m3", "h1") == "m3"
    assert problems == [] and result is not None and result.commit == "m2"
    # one commit read for the merge commit, one listing for the first-parent walk
    assert st.count("GET", r"/commits/M$") == 1 and st.count("GET", r"/commits$") == 1


@responses.activate
def test_compare_api_gives_the_merge_base() -> None:
    api = "https://api.github.com:443/repos/o/r"
    responses.get(
        f"{api}/compare/b...h",
        json={
            "url": f"{api}/compare/b...h",
            "merge_base_commit": {"sha": "m3", "url": f"{api}/commits/m3"},
            "commits": [],
            "files": [],
        },
    )
    assert GitHubCommits(gh()).merge_base("b", "h") == "m3"


@responses.activate
def test_api_error_is_a_problem_not_a_crash() -> None:
    responses.get(
        "https://api.github.com:443/repos/o/r/commits/M",
        status=403,
        json={"message": "Resource not accessible by integration"},
    )
    result, problems = find_baseline(
        [], PullRequestRef(merge_commit_sha="M"), GitHubCommits(gh()), NOW, on_api_error="fail"
    )
    assert result is None
    assert [(p.code, p.level) for p in problems] == [("github-forbidden", "error")]
