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

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Self

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
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from slo_gate.errors import GitHubError
from slo_gate.measurements import Problem, ProblemLevel

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = "slo-gate"

Sleeper = Callable[[float], None]
Clock = Callable[[], float]
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


# ----------------------------------------------------------------------------- stats


@dataclass(frozen=True)
class Wait:
    """One wait the client decided on, with its reason (for the run log)."""

    reason: str
    seconds: float


@dataclass
class RequestStats:
    """How many HTTP requests this run made (retries included) and what they waited for.

    Shared by every copy of the retry object (urllib3 copies it on each retry) and safe to
    update from several threads.
    """

    requests: int = 0
    retries: int = 0
    waits: list[Wait] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def add_wait(self, reason: str, seconds: float) -> None:
        with self._lock:
            self.waits.append(Wait(reason, seconds))

    def add_note(self, note: str) -> None:
        """A line for the request summary (e.g. how far a budgeted backfill got)."""
        with self._lock:
            self.notes.append(note)


# ----------------------------------------------------------------------------- retry


def _header(response: BaseHTTPResponse, name: str) -> str | None:
    value = response.headers.get(name)
    return None if value is None else str(value)


def _body_message(response: BaseHTTPResponse) -> tuple[dict[str, Any], str]:
    """The JSON body of an error response and its ``message`` (empty when not JSON)."""
    try:
        raw = response.data
        parsed = json.loads(raw.decode("utf-8", errors="replace")) if raw else {}
    except ValueError:
        return {}, ""
    if not isinstance(parsed, dict):
        return {}, ""
    message = parsed.get("message")
    return parsed, message if isinstance(message, str) else ""


class GateRetry(Retry):
    """urllib3 ``Retry`` that knows GitHub's rate limits and sleeps through an injected sleeper.

    - 5xx and connection errors: exponential backoff (``backoff_factor``, bounded).
    - secondary rate limit (403/429 with ``Retry-After``, or a body saying so): wait
      ``max(Retry-After, secondary_wait_s)``; longer than ``max_wait_s`` raises
      ``RateLimitExceededExceedsMaxWait`` instead of waiting.
    - primary rate limit (``x-ratelimit-remaining: 0`` or "API rate limit exceeded"): wait for
      ``x-ratelimit-reset`` only when that is at most ``primary_max_wait_s`` away, else raise.
    - any other 403 (missing permission, read-only token) is raised at once: retrying a
      permission error only burns the rate limit.

    urllib3 asks ``is_retry`` about every response it receives, which makes it the one place
    that sees every request, retries included: that is where requests are counted.
    """

    def __init__(
        self,
        *,
        stats: RequestStats | None = None,
        sleeper: Sleeper = time.sleep,
        clock: Clock = time.time,
        secondary_wait_s: float = 60.0,
        max_wait_s: float = 180.0,
        primary_max_wait_s: float = 90.0,
        next_wait: tuple[str, float] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status_forcelist", [*range(500, 600), 403, 429])
        kwargs.setdefault("allowed_methods", Retry.DEFAULT_ALLOWED_METHODS | {"GET", "POST"})
        kwargs.setdefault("raise_on_status", False)
        super().__init__(**kwargs)
        self.stats = stats if stats is not None else RequestStats()
        self.sleeper = sleeper
        self.clock = clock
        self.secondary_wait_s = secondary_wait_s
        self.max_wait_s = max_wait_s
        self.primary_max_wait_s = primary_max_wait_s
        self.next_wait = next_wait

    def new(self, **kw: Any) -> Self:
        kw.setdefault("stats", self.stats)
        kw.setdefault("sleeper", self.sleeper)
        kw.setdefault("clock", self.clock)
        kw.setdefault("secondary_wait_s", self.secondary_wait_s)
        kw.setdefault("max_wait_s", self.max_wait_s)
        kw.setdefault("primary_max_wait_s", self.primary_max_wait_s)
        kw.setdefault("next_wait", None)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        self.stats.count_request()
        return super().is_retry(method, status_code, has_retry_after)

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        if response is None and error is not None:
            self.stats.count_request()  # a connection error never reached is_retry
        if response is not None and response.status in (403, 429):
            return self._rate_limited(method, url, response, _pool, _stacktrace)
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        self.stats.count_retry()
        return new

    def _rate_limited(
        self,
        method: str | None,
        url: str | None,
        response: BaseHTTPResponse,
        pool: Any,
        stacktrace: Any,
    ) -> Retry:
        """Decide how long a 403/429 must wait, or raise it as the error it is."""
        body, message = _body_message(response)
        headers = {k.lower(): str(v) for k, v in response.headers.items()}
        reason, wait = self._rate_limit_wait(response, message)
        if reason is None:
            raise Requester.createException(response.status, headers, body)
        if wait > (self.primary_max_wait_s if reason == "primary" else self.max_wait_s):
            raise RateLimitExceededExceedsMaxWait(response.status, body, headers, message, wait)
        try:
            new = super().increment(method, url, response, None, pool, stacktrace)
        except MaxRetryError as exc:
            raise RateLimitExceededException(response.status, body, headers, message) from exc
        assert isinstance(new, GateRetry)
        new.next_wait = (f"{reason} rate limit", wait)
        self.stats.count_retry()
        self.stats.add_wait(f"{reason} rate limit", wait)
        return new

    def _rate_limit_wait(
        self, response: BaseHTTPResponse, message: str
    ) -> tuple[Literal["primary", "secondary"] | None, float]:
        remaining = _header(response, "x-ratelimit-remaining")
        if remaining == "0" or Requester.isPrimaryRateLimitError(message):
            reset = _header(response, "x-ratelimit-reset")
            if reset is not None and reset.strip().isdigit():
                return "primary", max(0.0, int(reset) - self.clock()) + 1.0
            return "primary", self.secondary_wait_s
        retry_after = _header(response, "retry-after")
        if retry_after is not None or Requester.isSecondaryRateLimitError(message):
            asked = self._retry_after_s(retry_after)
            return "secondary", max(asked, self.secondary_wait_s)
        return None, 0.0

    def _retry_after_s(self, value: str | None) -> float:
        if value is None:
            return 0.0
        try:
            return float(self.parse_retry_after(value))
        except Exception:  # an unparsable header: fall back to the minimum wait
            return 0.0

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Sleep through the injected sleeper: the decided wait, Retry-After, or backoff."""
        reason: str
        seconds: float
        if self.next_wait is not None:  # decided (and logged) in _rate_limited
            self.sleeper(self.next_wait[1])
            return
        if response is not None and _header(response, "retry-after") is not None:
            reason = f"Retry-After on {response.status}"
            seconds = min(self._retry_after_s(_header(response, "retry-after")), self.max_wait_s)
        else:
            reason, seconds = "backoff", self.get_backoff_time()
        if seconds > 0:
            self.stats.add_wait(reason, seconds)
            self.sleeper(seconds)


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
