"""Workflow-run reader: filters, Link pagination, the 1,000 cap, incremental sync, jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from slo_gate.commands.inputs import connection
from slo_gate.github.client import ClientSettings, GitHubClient, make_client
from slo_gate.history.run_cache import JsonFileRunCache, MemoryRunCache
from slo_gate.history.workflow_runs import (
    Listing,
    WorkflowRunReader,
    build_seconds,
    created_range,
    read_ci_history,
)
from slo_gate.runenv import RunEnv
from tests.fakes.github_server import State, make_job, make_run, serve

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
API = "https://api.github.com:443"
LIST = f"{API}/repos/o/r/actions/workflows/ci.yml/runs"


def gh_client(url: str | None = None) -> GitHubClient:
    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r"}
    if url:
        env["GITHUB_API_URL"] = url
    return make_client(
        connection(RunEnv.from_environ(env)),
        settings=ClientSettings(seconds_between_writes=None),
        sleeper=lambda s: None,
    )


def query(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(call.request.url)).query)


# ----------------------------------------------------------------------------- responses


@responses.activate
def test_listing_uses_server_side_filters_and_follows_link_pages() -> None:
    page1 = [make_run(i, NOW - timedelta(hours=i)) for i in range(1, 101)]
    page2 = [make_run(i, NOW - timedelta(hours=i), conclusion="failure") for i in range(101, 131)]
    nxt = "https://api.github.com/repositories/1/actions/workflows/ci.yml/runs?page=2"
    responses.get(
        LIST,
        json={"total_count": 130, "workflow_runs": page1},
        headers={"Link": f'<{nxt}>; rel="next", <{nxt}>; rel="last"'},
    )
    responses.get(
        f"{API}/repositories/1/actions/workflows/ci.yml/runs",
        json={"total_count": 130, "workflow_runs": page2},
    )
    reader = WorkflowRunReader(gh_client())
    since = NOW - timedelta(days=7)
    result = reader.sync(Listing("ci.yml", ("main",), ("push",)), since=since, now=NOW)
    assert len(result.runs) == 130 and result.requests == 2 and result.cold
    q = query(responses.calls[0])
    assert q["branch"] == ["main"]
    assert q["event"] == ["push"]
    assert q["status"] == ["completed"]
    assert q["per_page"] == ["100"]
    assert q["created"] == ["2026-01-13T12:00:00Z..2026-01-20T12:00:00Z"]
    assert query(responses.calls[1]) == {"page": ["2"]}


@responses.activate
def test_one_listing_per_branch() -> None:
    responses.get(LIST, json={"total_count": 0, "workflow_runs": []})
    reader = WorkflowRunReader(gh_client())
    reader.sync(Listing("ci.yml", ("main", "release")), since=NOW - timedelta(days=1), now=NOW)
    assert [query(c)["branch"] for c in responses.calls] == [["main"], ["release"]]


@responses.activate
def test_first_attempt_fetched_only_for_reruns_when_asked() -> None:
    runs = [make_run(1, NOW - timedelta(hours=1)), make_run(2, NOW - timedelta(hours=2), attempt=2)]
    responses.get(LIST, json={"total_count": 2, "workflow_runs": runs})
    responses.get(f"{API}/repos/o/r/actions/runs/2/attempts/1", json={"conclusion": "failure"})
    reader = WorkflowRunReader(gh_client())
    result = reader.sync(
        Listing("ci.yml", ("main",)), since=NOW - timedelta(days=7), now=NOW, first_attempts=True
    )
    by_id = {r.id: r for r in result.runs}
    assert by_id[2].first_attempt_conclusion == "failure"
    assert by_id[1].first_attempt_conclusion is None
    assert len(responses.calls) == 2


@responses.activate
def test_api_failure_becomes_a_problem_and_no_runs() -> None:
    responses.get(LIST, status=403, json={"message": "Resource not accessible by integration"})
    reader = WorkflowRunReader(gh_client())
    history = read_ci_history(
        reader, ["ci.yml"], ["main"], since=NOW - timedelta(days=7), now=NOW, on_api_error="fail"
    )
    assert history.runs == [] and not history.available
    assert [(p.code, p.level, p.path) for p in history.problems] == [
        ("github-forbidden", "error", "ci.yml")
    ]


def test_no_workflow_configured_is_a_problem_not_a_pass() -> None:
    reader = WorkflowRunReader(gh_client())
    history = read_ci_history(reader, [], ["main"], since=NOW, now=NOW)
    assert [p.code for p in history.problems] == ["ci-no-workflows"]
    assert not history.available


def test_created_range_is_utc_with_z() -> None:
    start = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert created_range(start, start + timedelta(days=1)) == (
        "2026-01-01T01:00:00Z..2026-01-02T01:00:00Z"
    )


# ----------------------------------------------------------------------------- build durations

T0 = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("jobs", "job_glob", "step_glob", "seconds", "reason"),
    [
        pytest.param(
            [
                make_job("build (ubuntu-latest, web)", T0, 200),
                make_job("build (windows, web)", T0, 260),
            ],
            "build*",
            None,
            260.0,
            "",
            id="matrix-longest-leg",
        ),
        pytest.param(
            [
                make_job(
                    "build (ubuntu-latest, web)",
                    T0,
                    300,
                    steps=[("Checkout", 10, "success"), ("Build widgets", 95, "success")],
                ),
                make_job("lint", T0, 50, steps=[("Build widgets", 500, "success")]),
            ],
            "build*",
            "Build widgets",
            95.0,
            "",
            id="step-in-matching-job-only",
        ),
        pytest.param(
            [
                make_job(
                    "build", T0, 300, steps=[("Build a", 30, "success"), ("Build b", 45, "success")]
                )
            ],
            "build",
            "Build *",
            75.0,
            "",
            id="matching-steps-summed",
        ),
        pytest.param(
            [make_job("build", T0, 300, steps=[("Build widgets", 30, "failure")])],
            "build",
            "Build widgets",
            None,
            "no successful step 'Build widgets' in the 1 matching job",
            id="failed-step-not-a-duration",
        ),
        pytest.param(
            [make_job("test", T0, 10)], "build*", None, None, "no job matches 'build*'", id="none"
        ),
        pytest.param(
            [make_job("build", T0, 100, conclusion="failure")],
            "build",
            None,
            None,
            "no successful job in the 1 matching job",
            id="failed-job",
        ),
    ],
)
def test_build_seconds_table(
    jobs: list[dict[str, object]],
    job_glob: str,
    step_glob: str | None,
    seconds: float | None,
    reason: str,
) -> None:
    got, _legs, why = build_seconds(jobs, job_glob, step_glob)
    assert (got, why) == (seconds, reason)


# ----------------------------------------------------------------------------- local server


def busy_state(days: int, per_day: int) -> State:
    state = State()
    runs, rid = [], 0
    for d in range(days):
        for k in range(per_day):
            rid += 1
            created = NOW - timedelta(days=d, minutes=30 + k * (1440 // per_day))
            runs.append(
                make_run(rid, created, conclusion="failure" if rid % 10 == 0 else "success")
            )
            state.jobs[(rid, 1)] = [
                make_job(
                    "build (ubuntu-latest, web)",
                    created,
                    200,
                    steps=[("Build widgets", 100 + rid % 50, "success")],
                )
            ]
    state.runs["ci.yml"] = runs
    return state


def test_cap_slicing_never_reaches_1000_results() -> None:
    # 60 days x 30 runs = 1,800 runs: one listing would stop at 1,000
    with serve(busy_state(60, 30)) as (url, st):
        reader = WorkflowRunReader(gh_client(url))
        result = reader.sync(Listing("ci.yml", ("main",)), since=NOW - timedelta(days=61), now=NOW)
    assert len(result.runs) == 1800
    assert len({r.id for r in result.runs}) == 1800
    listings = [e for e in st.log if e.path.endswith("/runs")]
    # every listing that was paged through held fewer than 1,000 results
    assert all(e.status == 200 for e in listings)
    assert result.requests == len(listings)


def test_warm_sync_asks_only_for_what_is_new(tmp_path: Path) -> None:
    state = busy_state(45, 20)
    listing = Listing("ci.yml", ("main",))
    with serve(state) as (url, st):
        cache = JsonFileRunCache(tmp_path / "runs")
        cold = WorkflowRunReader(gh_client(url), cache).sync(
            listing, since=NOW - timedelta(days=45), now=NOW
        )
        # a new run arrives an hour later; an old run is re-run and now passes
        later = NOW + timedelta(hours=1)
        st.runs["ci.yml"].append(make_run(5000, NOW + timedelta(minutes=30)))
        rerun = next(r for r in st.runs["ci.yml"] if r["id"] == 10)
        rerun.update(conclusion="success", run_attempt=2)
        warm = WorkflowRunReader(gh_client(url), JsonFileRunCache(tmp_path / "runs")).sync(
            listing, since=later - timedelta(days=45), now=later
        )
    assert cold.cold and cold.requests == 9 and len(cold.runs) == 900
    assert not warm.cold and warm.requests == 1
    by_id = {r.id: r for r in warm.runs}
    assert 5000 in by_id and by_id[10].run_attempt == 2 and by_id[10].conclusion == "success"
    assert (tmp_path / "runs").is_dir()


def test_jobs_fetched_once_per_run() -> None:
    listing = Listing("ci.yml", ("main",))
    with serve(busy_state(3, 10)) as (url, st):
        reader = WorkflowRunReader(gh_client(url), MemoryRunCache())
        since = NOW - timedelta(days=30)
        samples, first = reader.build_durations(
            listing, job_glob="build*", step_glob="Build widgets", since=since, now=NOW
        )
        again, second = reader.build_durations(
            listing, job_glob="build*", step_glob="Build widgets", since=since, now=NOW
        )
        jobs_calls = st.count("GET", r"/jobs$")
    assert len(samples) == 30 and samples == again
    assert first.requests == 1 + 30  # one listing + one jobs call per run
    assert second.requests == 1 and jobs_calls == 30
    assert {s.seconds for s in samples} == {100.0 + rid % 50 for rid in range(1, 31)}
