"""Data-branch store: trusted writes only, 409 merges, first-run branch creation, two writers."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import responses

from slo_gate.commands.inputs import connection
from slo_gate.github.client import (
    ClientSettings,
    GitHubApiError,
    GitHubClient,
    OnApiError,
    make_client,
)
from slo_gate.history.github_branch import (
    EventContext,
    GitHubBranchStore,
    merge_lines,
    month_path,
    months_back,
)
from slo_gate.history.run_cache import WorkflowCache
from slo_gate.records import Record
from slo_gate.runenv import RunEnv
from slo_gate.runs import RunSummary
from tests.fakes.github_server import State, blob_sha, serve

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
API = "https://api.github.com:443/repos/o/r"
PUSH = EventContext("push", "refs/heads/main", ("main",))
PR = EventContext("pull_request", "refs/pull/7/merge", ("main",))
JAN = "records/2026-01.jsonl"


def gh(url: str | None = None) -> GitHubClient:
    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r"} | (
        {"GITHUB_API_URL": url} if url else {}
    )
    return make_client(
        connection(RunEnv.from_environ(env)),
        settings=ClientSettings(seconds_between_writes=None),
        sleeper=lambda s: None,
    )


class Recording(GitHubBranchStore):
    """The store with its backoff sleeps recorded instead of slept."""

    def __init__(
        self, client: GitHubClient, context: EventContext, on_api_error: OnApiError
    ) -> None:
        self.sleeps: list[float] = []
        super().__init__(
            client,
            context=context,
            now=NOW,
            sleeper=self.sleeps.append,
            rand=lambda: 0.5,
            on_api_error=on_api_error,
        )


def store(
    client: GitHubClient, context: EventContext = PUSH, on_api_error: OnApiError = "warn"
) -> Recording:
    return Recording(client, context, on_api_error)


def rec(commit: str, minutes: int = 0) -> Record:
    return Record(recorded_at=NOW - timedelta(minutes=minutes), commit=commit, branch="main")


def content(text: str, path: str = JAN) -> dict[str, object]:
    data = text.encode()
    return {
        "type": "file",
        "encoding": "base64",
        "path": path,
        "name": path.rsplit("/", 1)[-1],
        "sha": blob_sha(data),
        "content": base64.b64encode(data).decode(),
        "url": f"{API}/contents/{path}",
    }


# ----------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("context", "trusted"),
    [
        (PUSH, True),
        (EventContext("push", "refs/heads/feature", ("main",)), False),
        (EventContext("push", "refs/tags/v1", ("main",)), False),
        (EventContext("schedule"), True),
        (EventContext("workflow_dispatch"), True),
        (PR, False),
        (EventContext("pull_request_target", "refs/heads/main"), False),
        (EventContext("workflow_run"), False),
    ],
)
def test_trusted_events(context: EventContext, trusted: bool) -> None:
    assert context.trusted is trusted


def test_months_and_paths() -> None:
    assert month_path(datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == JAN
    assert months_back(datetime(2026, 2, 1, tzinfo=UTC), 3) == [
        "records/2025-12.jsonl",
        "records/2026-01.jsonl",
        "records/2026-02.jsonl",
    ]


def test_merge_lines_keeps_everything_once() -> None:
    assert merge_lines("a\nb\n", ["b", "c"]) == ("a\nb\nc\n", True)
    assert merge_lines("a\n", ["a"]) == ("a\n", False)


# ----------------------------------------------------------------------------- responses


@responses.activate
def test_read_parses_months_and_reports_bad_lines_by_line_number() -> None:
    good = rec("abc").model_dump_json()
    responses.get(
        f"{API}/contents/records/2025-11.jsonl", status=404, json={"message": "Not Found"}
    )
    responses.get(
        f"{API}/contents/records/2025-12.jsonl", status=404, json={"message": "Not Found"}
    )
    responses.get(f"{API}/contents/{JAN}", json=content(f"{good}\nnot json\n{{}}\n"))
    s = store(gh())
    records = s.read()
    assert [r.commit for r in records] == ["abc"]
    assert [(p.code, p.line, p.path) for p in s.problems] == [
        ("history-bad-line", 2, f"slo-gate-data:{JAN}"),
        ("history-bad-line", 3, f"slo-gate-data:{JAN}"),
    ]
    assert str(responses.calls[0].request.url).endswith("ref=slo-gate-data")


@responses.activate
def test_records_from_the_future_are_ignored_and_naive_times_read_as_utc() -> None:
    """Issue 12: a record dated in the year 9999 (or an hour past a wrong clock) must never
    become the baseline; a record without a UTC offset must not break the sort."""
    for month in ("2025-11", "2025-12"):
        responses.get(f"{API}/contents/records/{month}.jsonl", status=404, json={})
    naive = json.dumps({"recorded_at": "2026-01-20T10:00:00", "commit": "naive"})
    ahead = rec("ahead", minutes=-180).model_dump_json()  # three hours after this run
    skew = rec("skew", minutes=-30).model_dump_json()  # within the allowed clock skew
    far = rec("abc").model_dump_json().replace("2026-01-20", "9999-01-20")
    lines = [rec("old", 60).model_dump_json(), far, naive, ahead, skew]
    responses.get(f"{API}/contents/{JAN}", json=content("\n".join(lines) + "\n"))
    s = store(gh())
    records = s.read()
    assert [r.commit for r in records] == ["naive", "old", "skew"]
    assert records[0].recorded_at.tzinfo is not None
    assert [(p.code, p.line, p.level) for p in s.problems] == [
        ("history-future-records", 2, "notice")
    ]
    assert "2 records dated after" in s.problems[0].message


@responses.activate
def test_409_conflict_rereads_merges_and_retries() -> None:
    theirs = rec("theirs", 5).model_dump_json() + "\n"
    mine = rec("mine")
    responses.get(f"{API}/contents/{JAN}", json=content(""))
    responses.put(f"{API}/contents/{JAN}", status=409, json={"message": f"{JAN} does not match x"})
    responses.get(f"{API}/contents/{JAN}", json=content(theirs))
    responses.put(
        f"{API}/contents/{JAN}",
        status=200,
        json={"content": content("x"), "commit": {"sha": "c" * 40}},
    )
    s = store(gh())
    s.append(mine)
    put = json.loads(str(responses.calls[3].request.body))
    written = base64.b64decode(put["content"]).decode()
    assert written == theirs + mine.model_dump_json() + "\n"
    assert put["sha"] == blob_sha(theirs.encode()) and put["branch"] == "slo-gate-data"
    assert s.conflicts == 1 and s.sleeps == [0.5]


@responses.activate
def test_pull_request_reads_and_never_writes() -> None:
    s = store(gh(), PR)
    s.append(rec("x"))
    assert len(responses.calls) == 0
    assert [(p.code, p.level) for p in s.problems] == [("history-read-only", "notice")]


@responses.activate
def test_missing_branch_on_a_pull_request_is_no_history_yet() -> None:
    for month in months_back(NOW, 3):
        responses.get(
            f"{API}/contents/{month}",
            status=404,
            json={"message": "No commit found for the ref slo-gate-data"},
        )
    responses.get(f"{API}/branches/slo-gate-data", status=404, json={"message": "Branch not found"})
    s = store(gh(), PR)
    assert s.read() == []
    (problem,) = s.problems
    assert problem.code == "history-empty" and problem.level == "notice"
    assert "does not exist yet" in problem.message and "next trusted run" in problem.message
    assert not any(c.request.method != "GET" for c in responses.calls)


@responses.activate
def test_write_forbidden_is_a_named_problem() -> None:
    responses.get(f"{API}/contents/{JAN}", json=content(""))
    responses.put(
        f"{API}/contents/{JAN}",
        status=403,
        json={"message": "Resource not accessible by integration"},
    )
    s = store(gh(), on_api_error="warn")
    s.append(rec("x"))
    assert [(p.code, p.level) for p in s.problems] == [("github-forbidden", "warning")]
    s_fail = store(gh(), on_api_error="fail")
    responses.get(f"{API}/contents/{JAN}", json=content(""))
    responses.put(f"{API}/contents/{JAN}", status=403, json={"message": "nope"})
    with pytest.raises(GitHubApiError):
        s_fail.append(rec("y"))


@responses.activate
def test_unavailable_api_on_read_gives_no_records_and_a_problem() -> None:
    for _ in range(5):
        responses.get(f"{API}/contents/records/2025-11.jsonl", status=502, json={"message": "x"})
    s = store(gh(), on_api_error="fail")
    assert s.read() == []
    assert [(p.code, p.level) for p in s.problems] == [("github-unavailable", "error")]


# ----------------------------------------------------------------------------- local server


def test_first_trusted_run_creates_the_branch_then_writes() -> None:
    with serve(State()) as (url, st):
        s = store(gh(url))
        assert s.read() == []
        s.append(rec("first"))
        again = store(gh(url)).read()
    assert [r.commit for r in again] == ["first"]
    assert "README.md" in st.branches["slo-gate-data"]
    assert st.count("POST", r"/git/refs$") == 1


def test_two_writers_lose_no_record() -> None:
    state = State(branches={"slo-gate-data": {}}, write_delay_s=0.01)
    per_writer = 12
    with serve(state) as (url, st):
        stores: list[GitHubBranchStore] = []

        def writer(name: str) -> None:
            s = GitHubBranchStore(
                gh(url), context=PUSH, now=NOW, sleeper=lambda s: None, max_attempts=50
            )
            stores.append(s)
            for i in range(per_writer):
                s.append(rec(f"{name}-{i}", minutes=i))

        threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        records = store(gh(url)).read()
        rejected = sum(1 for e in st.log if e.method == "PUT" and e.status in (409, 422))
        accepted = sum(1 for e in st.log if e.method == "PUT" and e.status in (200, 201))
    commits = sorted(r.commit or "" for r in records)
    assert commits == sorted(
        [f"a-{i}" for i in range(per_writer)] + [f"b-{i}" for i in range(per_writer)]
    )
    # every write the server rejected for a stale sha was re-read, merged and retried
    assert accepted == 2 * per_writer
    assert rejected == sum(s.conflicts for s in stores)
    assert not any(p.level == "error" for s in stores for p in s.problems)


def test_run_cache_round_trip_and_pull_requests_do_not_save() -> None:
    run = RunSummary(id=1, created_at=NOW, conclusion="success")
    cache = WorkflowCache(
        key='["ci.yml", ["main"], []]', synced_from=NOW, synced_until=NOW, runs={"1": run}
    )
    with serve(State(branches={"slo-gate-data": {}})) as (url, st):
        store(gh(url), PR).run_cache().save(cache)
        assert st.count("PUT") == 0
        store(gh(url)).run_cache().save(cache)
        loaded = store(gh(url), PR).run_cache().load(cache.key)
    assert loaded is not None and loaded.runs["1"].id == 1
