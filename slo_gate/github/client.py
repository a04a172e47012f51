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

from github import Auth, Github
from github.Repository import Repository
from github.Requester import Requester

from slo_gate.errors import GitHubError
from slo_gate.github.api_error import GitHubApiError, github_error, network_errors
from slo_gate.github.connection import (
    DEFAULT_API_URL,
    USER_AGENT,
    ClientSettings,
    Connection,
    GitHubConfig,
    OnApiError,
    redact,
)
from slo_gate.github.retry import Clock, GateRetry, RequestStats, Sleeper

__all__ = [
    "DEFAULT_API_URL",
    "NETWORK_ERRORS",
    "ClientSettings",
    "Connection",
    "GitHubApiError",
    "GitHubClient",
    "GitHubConfig",
    "OnApiError",
    "github_error",
    "make_client",
    "redact",
]

#: what failing to reach GitHub raises (refused connection, DNS, timeout, TLS), besides HTTP errors
NETWORK_ERRORS = network_errors()


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
