"""The client factory: retries, rate limits, request counting, error mapping, no token leaks."""

from __future__ import annotations

import logging
import time

import pytest
import responses

from slo_gate.commands.inputs import connection
from slo_gate.errors import GitHubError
from slo_gate.github.client import (
    ClientSettings,
    Connection,
    GitHubApiError,
    GitHubClient,
    github_error,
    make_client,
)
from slo_gate.runenv import RunEnv
from tests.fakes.github_server import Fault, State, serve

TOKEN = "ghs_S3CRETtokenVALUE"
API = "https://api.github.com:443"
RUNS = f"{API}/repos/o/r/actions/runs"
SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please retry your request again later."
}


def conn(env: dict[str, str]) -> Connection:
    return connection(RunEnv.from_environ(env))


def client(sleeps: list[float], **env: str) -> GitHubClient:
    base = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "o/r"}
    return make_client(
        conn(base | env),
        settings=ClientSettings(seconds_between_writes=None, backoff_factor=0.5),
        sleeper=sleeps.append,
        clock=lambda: 1_000_000.0,
    )


def get(c: GitHubClient, url: str | None = None) -> object:
    try:
        return c.requester.requestJsonAndCheck("GET", url or c.repo_url + "/actions/runs")[1]
    except GitHubApiError:
        raise
    except Exception as exc:
        raise github_error(exc, "reading runs", TOKEN) from None


@responses.activate
def test_502_then_success_is_retried_and_counted() -> None:
    responses.get(RUNS, status=502, json={"message": "Bad Gateway"})
    responses.get(
        RUNS,
        json={"total_count": 0},
        headers={"X-RateLimit-Remaining": "987", "X-RateLimit-Limit": "1000"},
    )
    c = client([])
    assert get(c) == {"total_count": 0, "url": c.repo_url + "/actions/runs"}
    assert len(responses.calls) == 2
    assert (c.stats.requests, c.stats.retries) == (2, 1)
    assert c.summary() == "GitHub API: 2 requests (1 retries), 987 of 1000 remaining"
    assert responses.calls[0].request.headers["Authorization"] == f"token {TOKEN}"


@responses.activate
def test_secondary_limit_without_retry_after_waits_60s() -> None:
    responses.get(RUNS, status=403, json=SECONDARY)
    responses.get(RUNS, json={"ok": 1})
    c = client([])
    get(c)
    assert len(responses.calls) == 2
    assert [(w.reason, w.seconds) for w in c.stats.waits] == [("secondary rate limit", 60.0)]


@responses.activate
def test_secondary_limit_retry_after_is_at_least_60s_and_honoured_when_longer() -> None:
    responses.get(RUNS, status=429, json={"message": "slow down"}, headers={"Retry-After": "5"})
    responses.get(RUNS, status=403, json=SECONDARY, headers={"Retry-After": "120"})
    responses.get(RUNS, json={"ok": 1})
    c = client([])
    get(c)
    assert [w.seconds for w in c.stats.waits] == [60.0, 120.0]


@responses.activate
def test_secondary_wait_beyond_the_bound_reports_instead_of_hanging() -> None:
    responses.get(RUNS, status=403, json=SECONDARY, headers={"Retry-After": "3600"})
    c = client([])
    with pytest.raises(GitHubApiError) as info:
        get(c)
    assert info.value.code == "github-rate-limited"
    assert "3600 s" in info.value.message
    assert len(responses.calls) == 1


@responses.activate
def test_primary_limit_waits_for_a_near_reset() -> None:
    # clock is 1,000,000; reset 30 s later -> wait 31 s (one extra second for the boundary)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1000030"}
    responses.get(
        RUNS, status=403, json={"message": "API rate limit exceeded for x"}, headers=headers
    )
    responses.get(RUNS, json={"ok": 1})
    c = client([])
    get(c)
    assert [(w.reason, w.seconds) for w in c.stats.waits] == [("primary rate limit", 31.0)]


@responses.activate
def test_primary_limit_with_a_far_reset_is_a_named_error() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1003000"}
    responses.get(RUNS, status=403, json={"message": "API rate limit exceeded"}, headers=headers)
    c = client([])
    with pytest.raises(GitHubApiError) as info:
        get(c)
    assert info.value.code == "github-rate-limited"
    problem = info.value.to_problem("fail")
    assert (problem.level, problem.source) == ("error", "github")


@responses.activate
def test_permission_403_is_not_retried() -> None:
    responses.get(RUNS, status=403, json={"message": "Resource not accessible by integration"})
    c = client([])
    with pytest.raises(GitHubApiError) as info:
        get(c)
    assert len(responses.calls) == 1
    assert info.value.code == "github-forbidden"
    assert "permissions" in (info.value.fix or "")
    assert info.value.to_problem("warn").level == "warning"


@responses.activate
def test_401_names_the_token_input_but_never_the_token() -> None:
    responses.get(RUNS, status=401, json={"message": "Bad credentials"})
    c = client([])
    with pytest.raises(GitHubError) as info:
        get(c)
    text = info.value.render()
    assert "401" in text and "github-token" in text
    assert TOKEN not in text and TOKEN not in repr(c) and TOKEN not in repr(c.config)


@responses.activate
def test_5xx_until_retries_run_out_is_unavailable() -> None:
    for _ in range(10):
        responses.get(RUNS, status=503, json={"message": "unavailable"})
    c = client([])
    with pytest.raises(GitHubApiError) as info:
        get(c)
    assert info.value.code == "github-unavailable"
    assert len(responses.calls) == 5  # first try + 4 retries


@responses.activate
def test_ghes_base_url_from_environment() -> None:
    url = "https://ghe.example.com:443/api/v3/repos/o/r/actions/runs"
    responses.get(url, json={"ok": 1})
    c = client([], GITHUB_API_URL="https://ghe.example.com/api/v3")
    assert c.repo_url == "https://ghe.example.com/api/v3/repos/o/r"
    get(c, c.repo_url + "/actions/runs")
    assert len(responses.calls) == 1


def test_missing_repository_is_a_usage_error_with_a_fix() -> None:
    with pytest.raises(GitHubError) as info:
        make_client(conn({"GITHUB_TOKEN": TOKEN}))
    assert "--repo owner/name" in (info.value.fix or "")


def test_token_stays_out_of_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    with responses.RequestsMock() as rs, caplog.at_level(logging.DEBUG, logger="github"):
        rs.get(RUNS, json={"ok": 1})
        get(client([]))
    assert caplog.records  # PyGithub did log the request
    assert TOKEN not in caplog.text


# ----------------------------------------------------------------------------- real HTTP


def test_timeout_then_success_through_a_local_server() -> None:
    """A read timeout is retried with backoff through the injected sleeper (no real sleep)."""
    state = State(runs={"ci.yml": []})
    state.faults.append(Fault("GET", r"/runs$", status=200, body={}, delay_s=1.5))
    sleeps: list[float] = []
    with serve(state) as (url, st):
        c = make_client(
            conn({"GITHUB_API_URL": url, "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "o/r"}),
            settings=ClientSettings(timeout_s=1, seconds_between_writes=None),
            sleeper=sleeps.append,
        )
        started = time.monotonic()
        data = c.requester.requestJsonAndCheck(
            "GET", c.repo_url + "/actions/workflows/ci.yml/runs"
        )[1]
        elapsed = time.monotonic() - started
        # The timed-out request is logged when its handler finishes its delay, possibly after
        # the retry has been answered: wait for it (bounded) before counting.
        deadline = time.monotonic() + 5
        while st.count("GET", r"/runs$") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert data["total_count"] == 0
    assert c.stats.requests == 2 and c.stats.retries == 1
    assert st.count("GET", r"/runs$") == 2
    assert elapsed < 10  # one 1 s timeout, no backoff sleep of its own


def test_secondary_limit_sleeps_through_the_injected_sleeper() -> None:
    state = State(runs={"ci.yml": []})
    state.faults.append(Fault("GET", r"/runs$", status=403, body=SECONDARY))
    sleeps: list[float] = []
    with serve(state) as (url, _):
        c = make_client(
            conn({"GITHUB_API_URL": url, "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "o/r"}),
            settings=ClientSettings(seconds_between_writes=None),
            sleeper=sleeps.append,
        )
        c.requester.requestJsonAndCheck("GET", c.repo_url + "/actions/workflows/ci.yml/runs")
        remaining, limit, _reset = c.rate_limit()
    assert sleeps == [60.0]
    assert (remaining, limit) == (4998, 5000)


def test_unreachable_server_is_unavailable() -> None:
    with serve() as (url, _):
        pass  # the server is gone: connections are refused
    c = make_client(
        conn({"GITHUB_API_URL": url, "GITHUB_REPOSITORY": "o/r"}),
        settings=ClientSettings(retries=2, seconds_between_writes=None),
        sleeper=lambda s: None,
    )
    with pytest.raises(GitHubApiError) as info:
        get(c, c.repo_url + "/actions/runs")
    assert info.value.code == "github-unavailable"
    assert c.stats.requests == 3
