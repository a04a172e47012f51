"""The one GitHub client factory: PyGithub with retries, rate-limit waits and request counting.

Why one factory: every part of slo-gate that talks to GitHub (workflow-run history, the data
branch, baselines, publishers) shares one token, one rate limit (about 1,000 requests an hour
per repository for the Actions token) and one set of rules for waiting. Building the client in
one place keeps those rules in one place and lets every run log "N requests, M remaining".

Configuration comes in as a ``Connection`` (built from the run environment by the commands), never
from ``os.environ`` in here, so tests and GitHub Enterprise Server need no patching. Sleeping and
the clock are injected too, so tests never sleep.

The token is held by PyGithub's ``Auth.Token`` and by nothing else here: it is not stored on the
client, not part of any ``repr``, and every message built from a GitHub error passes through
``redact`` first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import requests
from github import Auth, Github, GithubException
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededExceedsMaxWait,
    RateLimitExceededException,
    UnknownObjectException,
)
from github.Repository import Repository
from github.Requester import Requester
from urllib3.exceptions import HTTPError, MaxRetryError

from slo_gate.errors import GitHubError
from slo_gate.github.retry import Clock, GateRetry, RequestStats, Sleeper
from slo_gate.measurements import Problem, ProblemLevel

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = "slo-gate"

OnApiError = Literal["warn", "fail"]


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ClientSettings:
    """Tunables of the client; the defaults suit a GitHub Actions job.

    ``secondary_wait`` follows GitHub's advice for secondary rate limits without a usable
    ``Retry-After`` ("wait at least one minute"); ``max_wait`` bounds every single wait so a gate
    never hangs a job for long; ``primary_max_wait`` is how long a primary-limit reset may be
    waited for before the run reports instead (the Actions token's limit resets hourly).
    """

    timeout_s: int = 20
    per_page: int = 100
    retries: int = 4
    backoff_factor: float = 1.0
    backoff_max_s: float = 30.0
    secondary_wait_s: float = 60.0
    max_wait_s: float = 180.0
    primary_max_wait_s: float = 90.0
    seconds_between_writes: float | None = 1.0


# ----------------------------------------------------------------------------- the client


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from text that is about to reach a log, an error or a file."""
    if not secret:
        return text
    return text.replace(secret, "***")


@dataclass(frozen=True)
class GitHubConfig:
    """What the client reads from the environment mapping (never the token itself)."""

    api_url: str
    repository: str
    has_token: bool


class GitHubClient:
    """A configured PyGithub ``Github`` plus this run's request statistics.

    ``repo()`` is lazy (no request until something is read), so merely building a client costs
    nothing against the rate limit.
    """

    def __init__(self, github: Github, config: GitHubConfig, stats: RequestStats) -> None:
        self.github = github
        self.config = config
        self.stats = stats
        self._repo: Repository | None = None

    def __repr__(self) -> str:
        return f"GitHubClient(api_url={self.config.api_url!r}, repo={self.config.repository!r})"

    @property
    def requester(self) -> Requester:
        return self.github.requester

    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.github.get_repo(self.config.repository)
        return self._repo

    @property
    def repo_url(self) -> str:
        """Absolute API URL of the repository, for raw requester calls."""
        return f"{self.config.api_url.rstrip('/')}/repos/{self.config.repository}"

    def rate_limit(self) -> tuple[int | None, int | None, int | None]:
        """(remaining, limit, reset epoch) from the last response's headers; no request made."""
        remaining, limit = self.requester.rate_limiting
        reset = self.requester.rate_limiting_resettime
        return (
            None if remaining < 0 else remaining,
            None if limit < 0 else limit,
            reset or None,
        )

    def summary(self) -> str:
        """The line every run logs: requests made and the rate limit left."""
        remaining, limit, _ = self.rate_limit()
        left = "unknown" if remaining is None else f"{remaining}"
        of = "" if limit is None else f" of {limit}"
        waited = sum(w.seconds for w in self.stats.waits)
        extra = f", waited {waited:g} s" if waited else ""
        notes = "".join(f"; {note}" for note in self.stats.notes)
        return (
            f"GitHub API: {self.stats.requests} requests ({self.stats.retries} retries{extra}), "
            f"{left}{of} remaining{notes}"
        )


@dataclass(frozen=True)
class Connection:
    """Where the client connects and as whom (from the run environment or the action's input)."""

    repository: str
    token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL


def make_client(
    conn: Connection,
    *,
    settings: ClientSettings | None = None,
    sleeper: Sleeper = time.sleep,
    clock: Clock = time.time,
) -> GitHubClient:
    """Build the client for ``conn``: the API URL (GitHub Enterprise Server too) and the token.

    A missing token is allowed for public read access but every write will be refused by
    GitHub; a missing repository is a usage error.
    """
    s = settings or ClientSettings()
    repo = conn.repository.strip()
    if not repo or repo.count("/") != 1 or repo.startswith("/") or repo.endswith("/"):
        raise GitHubError(
            f"no GitHub repository to read history from (got {repo!r})",
            fix="run inside GitHub Actions (GITHUB_REPOSITORY is set) or pass --repo owner/name",
        )
    api_url = (conn.api_url or DEFAULT_API_URL).rstrip("/")
    token = conn.token or None
    stats = RequestStats()
    retry = GateRetry(
        stats=stats,
        sleeper=sleeper,
        clock=clock,
        total=s.retries,
        backoff_factor=s.backoff_factor,
        backoff_max=s.backoff_max_s,
        secondary_wait_s=s.secondary_wait_s,
        max_wait_s=s.max_wait_s,
        primary_max_wait_s=s.primary_max_wait_s,
    )
    gh = Github(
        auth=Auth.Token(token) if token else None,
        base_url=api_url,
        timeout=s.timeout_s,
        user_agent=USER_AGENT,
        per_page=s.per_page,
        retry=retry,
        seconds_between_requests=None,
        seconds_between_writes=s.seconds_between_writes,
        lazy=True,  # objects load on first use: building a client or a repo costs no request
    )
    return GitHubClient(gh, GitHubConfig(api_url, repo, token is not None), stats)


# ----------------------------------------------------------------------------- errors


class GitHubApiError(GitHubError):
    """A GitHub call failed; ``code`` names the problem, ``status`` is the HTTP status if any."""

    def __init__(
        self, message: str, *, code: str, fix: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, fix=fix)
        self.code = code
        self.status = status

    def to_problem(self, on_api_error: OnApiError = "warn", *, path: str | None = None) -> Problem:
        """The error as a Problem; the policy's ``on_api_error`` decides if it fails the gate."""
        level: ProblemLevel = "error" if on_api_error == "fail" else "warning"
        text = f"{self.message} (fix: {self.fix})" if self.fix else self.message
        return Problem(code=self.code, message=text, path=path, level=level, source="github")


_PERMISSION_FIX = (
    "give the workflow the permissions it needs (permissions: actions: read, contents: write "
    "for the data branch); fork pull requests get a read-only token, so publish from a "
    "workflow_run workflow"
)


#: what failing to reach GitHub raises (refused connection, DNS, timeout, TLS), besides HTTP errors
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    requests.RequestException,
    MaxRetryError,
    HTTPError,
    OSError,
)


def _api_message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return exc.message or ""


def github_error(exc: BaseException, doing: str, token: str | None = None) -> GitHubApiError:
    """Map anything PyGithub, requests or urllib3 raised into one named, redacted error.

    ``doing`` says what slo-gate was doing ("listing runs of ci.yml"), so the message names the
    call; the fix says what the user can change.
    """
    if isinstance(exc, GitHubApiError):
        return exc
    if isinstance(exc, RateLimitExceededExceedsMaxWait):
        wait = exc.wait or 0.0
        return GitHubApiError(
            redact(
                f"GitHub rate limit reached while {doing}; the next try is {wait:.0f} s away", token
            ),
            code="github-rate-limited",
            fix="re-run the job later, or spread API-heavy workflows over time",
            status=exc.status,
        )
    if isinstance(exc, RateLimitExceededException):
        return GitHubApiError(
            redact(f"GitHub rate limit reached while {doing} and retries ran out", token),
            code="github-rate-limited",
            fix="re-run the job later, or spread API-heavy workflows over time",
            status=exc.status,
        )
    if isinstance(exc, BadCredentialsException) or (
        isinstance(exc, GithubException) and exc.status == 401
    ):
        return GitHubApiError(
            f"GitHub refused the token (401) while {doing}",
            code="github-unauthorized",
            fix="pass a valid token: the github-token input or GITHUB_TOKEN",
            status=401,
        )
    if isinstance(exc, GithubException) and exc.status == 403:
        return GitHubApiError(
            redact(f"GitHub denied access (403) while {doing}: {_api_message(exc)}", token),
            code="github-forbidden",
            fix=_PERMISSION_FIX,
            status=403,
        )
    if isinstance(exc, UnknownObjectException) or (
        isinstance(exc, GithubException) and exc.status == 404
    ):
        return GitHubApiError(
            f"GitHub answered 404 (not found) while {doing}",
            code="github-not-found",
            fix="check the repository name, the workflow file name and that the token can see them",
            status=404,
        )
    if isinstance(exc, GithubException):
        return GitHubApiError(
            redact(f"GitHub answered {exc.status} while {doing}: {_api_message(exc)}", token),
            code="github-unavailable",
            fix="GitHub may be degraded (see githubstatus.com); re-run the job later",
            status=exc.status,
        )
    if isinstance(exc, NETWORK_ERRORS):
        kind = "timed out" if isinstance(exc, requests.Timeout) else "could not be reached"
        return GitHubApiError(
            f"the GitHub API {kind} while {doing}, after retries ({type(exc).__name__})",
            code="github-unavailable",
            fix="check GITHUB_API_URL and the network, or re-run the job later",
        )
    raise exc
