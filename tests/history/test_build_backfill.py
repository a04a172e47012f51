"""The build-time backfill spends a bounded share of the hourly requests per run and continues
where it stopped on the next run, through the run cache (against the local fake GitHub)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slo_gate.config.policy import BuildTimePolicy
from slo_gate.history.run_cache import MemoryRunCache
from slo_gate.history.workflow_runs import Listing, WorkflowRunReader
from tests.fakes.github_server import make_run, serve
from tests.history.test_workflow_runs import NOW, busy_state, gh_client

LISTING = Listing("ci.yml", ("main",))
SINCE = NOW - timedelta(days=30)


def test_backfill_stops_at_its_share_and_continues_newest_first() -> None:
    state = busy_state(3, 10)  # 30 runs, one jobs call each; the fake states 5,000 an hour
    state.runs["ci.yml"].append(make_run(999, NOW - timedelta(hours=5), conclusion="skipped"))
    cache = MemoryRunCache()
    seen: list[int] = []
    with serve(state) as (url, st):
        for expected_read, expected_left in ((11, 20), (10, 10), (10, 0), (0, 0)):
            client = gh_client(url)
            reader = WorkflowRunReader(client, cache)  # a new run: only the cache carries over
            jobs_before = st.count("GET", r"/jobs$")
            samples, result = reader.build_durations(
                LISTING,
                job_glob="build*",
                step_glob="Build widgets",
                since=SINCE,
                now=NOW,
                budget_share=0.002,  # 10 of 5,000 requests
            )
            jobs = st.count("GET", r"/jobs$") - jobs_before
            backfill = result.backfill
            assert backfill is not None
            assert (backfill.read, backfill.left, backfill.allowed) == (
                expected_read,
                expected_left,
                10,
            )
            assert jobs == backfill.spent <= backfill.allowed
            assert result.requests == 1 + jobs  # one listing
            summary = client.summary()
            if expected_left:
                assert f"{expected_left} older runs left for later runs" in summary
                assert f"with {jobs} of 10 allowed requests" in summary
            else:
                assert "backfill" not in summary
            seen.append(len(samples))
            newest = sorted(state.runs["ci.yml"], key=lambda r: r["created_at"], reverse=True)
            kept = {s.run_id for s in samples}
            # newest first: the runs read so far are the newest ones with jobs
            with_jobs = [r["id"] for r in newest if r["conclusion"] != "skipped"]
            assert kept == set(with_jobs[: len(kept)])
    assert seen == [10, 20, 30, 30]


def test_budget_follows_the_stated_limit_and_defaults_to_ten_percent() -> None:
    assert BuildTimePolicy().backfill_budget == pytest.approx(0.10)
    assert BuildTimePolicy.model_validate({"backfill_budget": "25%"}).backfill_budget == 0.25
    with serve(busy_state(3, 10)) as (url, _st):
        _samples, result = WorkflowRunReader(gh_client(url), MemoryRunCache()).build_durations(
            LISTING, job_glob="build*", step_glob="Build widgets", since=SINCE, now=NOW
        )
    assert result.backfill is not None
    assert result.backfill.allowed == 500 and result.backfill.read == 30
    assert result.backfill.left == 0
