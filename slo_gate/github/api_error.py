"""One named, redacted error for every way a GitHub call can fail.

PyGithub, requests and urllib3 are imported inside ``github_error`` and ``network_errors``, not
at the top: a run that never builds a client never raises their exceptions, and importing this
module (for ``GitHubApiError``) stays free of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slo_gate.errors import GitHubError
from slo_gate.github.connection import OnApiError, redact
from slo_gate.measurements import Problem, ProblemLevel

if TYPE_CHECKING:
    from github import GithubException


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


def network_errors() -> tuple[type[BaseException], ...]:
    """What failing to reach GitHub raises (refused connection, DNS, timeout, TLS), besides
    HTTP errors."""
    import requests
    from urllib3.exceptions import HTTPError, MaxRetryError

    return (requests.RequestException, MaxRetryError, HTTPError, OSError)


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
    import requests
    from github.GithubException import (
        BadCredentialsException,
        GithubException,
        RateLimitExceededExceedsMaxWait,
        RateLimitExceededException,
        UnknownObjectException,
    )

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
    if isinstance(exc, network_errors()):
        kind = "timed out" if isinstance(exc, requests.Timeout) else "could not be reached"
        return GitHubApiError(
            f"the GitHub API {kind} while {doing}, after retries ({type(exc).__name__})",
            code="github-unavailable",
            fix="check GITHUB_API_URL and the network, or re-run the job later",
        )
    raise exc
