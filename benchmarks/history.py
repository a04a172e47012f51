"""Benchmark: GitHub requests spent on CI history, against a local fake GitHub API.

    python benchmarks/history.py [--days 45] [--per-day 20]

One workflow, ``--days`` × ``--per-day`` completed runs on ``main`` (every 10th fails, some
re-run), each with a matrix of two build legs. Prints the requests each step makes, the
issue's limit, and the ratio against a reference in the same script: the naive reader that
lists the same runs and then asks for each run once (``GET /actions/runs/{id}``).

- pass rate, cold: no cache; the CLI syncs the budget window (30 days); limit 15
- pass rate, warm: an hour later, 3 new runs; limit 5
- build time, cold: one jobs call per run not yet stored, plus the listing
- build time, warm: an hour later; limit 5
- build time, budgeted: the same cold backfill with the Actions token's stated limit of 1,000
  requests an hour: each run reads jobs with at most 10 % of it (newest runs first) and the next
  run continues from the run cache, until every run in the window has its duration
- wall time of warm against cold, as a ratio (no absolute timings: machines differ).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slo_gate.config.policy import BudgetPolicy, CiPolicy  # noqa: E402
from slo_gate.engine.ci import ci_slo  # noqa: E402
from slo_gate.engine.window import Span  # noqa: E402
from slo_gate.github.client import (  # noqa: E402
    ClientSettings,
    Connection,
    GitHubClient,
    make_client,
)
from slo_gate.history.run_cache import MemoryRunCache  # noqa: E402
from slo_gate.history.workflow_runs import Listing, WorkflowRunReader  # noqa: E402
from tests.fakes.github_server import State, make_job, make_run, serve  # noqa: E402

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)  # the budget window: what the CLI syncs for ci-pass-rate


def build_state(days: int, per_day: int) -> State:
    state = State()
    runs = []
    rid = 0
    for d in range(days):
        for k in range(per_day):
            rid += 1
            created = NOW - timedelta(days=d, minutes=20 + k * (1440 // per_day))
            attempt = 2 if rid % 25 == 0 else 1
            runs.append(
                make_run(
                    rid,
                    created,
                    conclusion="failure" if rid % 10 == 0 else "success",
                    attempt=attempt,
                )
            )
            legs = [
                make_job(
                    f"build (ubuntu-latest, {w})",
                    created,
                    200,
                    steps=[("Build widgets", 90 + rid % 60, "success")],
                )
                for w in ("web", "docs")
            ]
            state.jobs[(rid, attempt)] = legs
    state.runs["ci.yml"] = runs
    return state


def client(url: str) -> GitHubClient:
    return make_client(
        Connection(repository="o/r", token="benchmark", api_url=url),
        settings=ClientSettings(seconds_between_writes=None),
        sleeper=lambda s: None,
    )


def add_runs(state: State, start: int, count: int, at: datetime) -> None:
    for i in range(count):
        created = at + timedelta(minutes=i)
        state.runs["ci.yml"].append(make_run(start + i, created))
        state.jobs[(start + i, 1)] = [make_job("build (ubuntu-latest, web)", created, 100)]


def naive_requests(runs: int) -> int:
    """Reference: page through the same runs (100 a page) and then read each run once."""
    return -(-runs // 100) + runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--per-day", type=int, default=20)
    args = parser.parse_args()
    state = build_state(args.days, args.per_day)
    listing = Listing("ci.yml", ("main",))
    rows: list[tuple[str, int, str, int]] = []
    with serve(state) as (url, st):
        cache = MemoryRunCache()
        t0 = time.perf_counter()
        cold = WorkflowRunReader(client(url), cache).sync(listing, since=NOW - WINDOW, now=NOW)
        cold_s = time.perf_counter() - t0
        slo, _ = ci_slo(
            cold.runs, CiPolicy(workflows=["ci.yml"]), BudgetPolicy(), Span.ending(NOW, 7 * 86400)
        )
        rows.append(
            ("pass rate, cold (30 d)", cold.requests, "<= 15", naive_requests(len(cold.runs)))
        )

        later = NOW + timedelta(hours=1)
        add_runs(state, 900_000, 3, NOW + timedelta(minutes=5))
        t0 = time.perf_counter()
        warm = WorkflowRunReader(client(url), cache).sync(listing, since=later - WINDOW, now=later)
        warm_s = time.perf_counter() - t0
        rows.append(("pass rate, warm", warm.requests, "<= 5", naive_requests(warm.listed)))

        full = WorkflowRunReader(client(url), MemoryRunCache()).sync(
            listing, since=NOW - timedelta(days=args.days), now=NOW
        )
        rows.append(
            (
                f"pass rate, cold ({args.days} d)",
                full.requests,
                "<= 15",
                naive_requests(len(full.runs)),
            )
        )

        bcache = MemoryRunCache()
        reader = WorkflowRunReader(client(url), bcache)
        jobs_before = st.count("GET", r"/jobs$")
        _samples, bcold = reader.build_durations(  # budget_share=1: no backfill budget
            listing,
            job_glob="build*",
            step_glob="Build widgets",
            since=later - WINDOW,
            now=later,
            budget_share=1.0,
        )
        jobs_calls = st.count("GET", r"/jobs$") - jobs_before
        rows.append(
            (
                "build time, cold (no budget)",
                bcold.requests,
                f"= {bcold.requests - jobs_calls} listings + {jobs_calls} jobs",
                naive_requests(jobs_calls) + jobs_calls,
            )
        )
        later2 = later + timedelta(hours=1)
        add_runs(state, 950_000, 3, later + timedelta(minutes=10))
        _, bwarm = WorkflowRunReader(client(url), bcache).build_durations(
            listing,
            job_glob="build*",
            step_glob="Build widgets",
            since=later2 - WINDOW,
            now=later2,
            budget_share=1.0,
        )
        rows.append(("build time, warm (no budget)", bwarm.requests, "<= 5", naive_requests(3) + 3))

        # the Actions token states 1,000 requests an hour: a cold backfill spends at most 10 %
        # of it per run and continues on the next runs, through the run cache
        state.limit = 1000
        backfill_cache = MemoryRunCache()
        for n in range(1, 10):
            at = later2 + timedelta(minutes=n)
            _, step = WorkflowRunReader(client(url), backfill_cache).build_durations(
                listing, job_glob="build*", step_glob="Build widgets", since=at - WINDOW, now=at
            )
            assert step.backfill is not None
            b = step.backfill
            rows.append(
                (
                    f"build time, budgeted run {n}",
                    step.requests,
                    f"<= {b.allowed} jobs; read {b.read}, left {b.left}",
                    naive_requests(b.read) + b.read if b.read else 1,
                )
            )
            if not b.left:
                break
        total = len(st.log)

    print(f"fake GitHub: {args.days} days x {args.per_day} runs/day, one workflow, 2 matrix legs")
    print(f"ci-pass-rate: {slo.value:.2f} % over 7d, n={slo.samples}, status {slo.status}")
    print(f"{'step':28} {'requests':>8}  {'limit':36} {'naive':>6} {'ratio':>6}")
    for name, n, limit, naive in rows:
        print(f"{name:28} {n:>8}  {limit:36} {naive:>6} {n / naive:>6.3f}")
    print(f"wall time, pass rate warm / cold: {warm_s / cold_s:.3f}")
    print(f"requests served by the fake in total: {total}")


if __name__ == "__main__":
    main()
