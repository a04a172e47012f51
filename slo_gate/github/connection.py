"""Where the GitHub client connects, as whom, and with which tunables: plain data, no PyGithub.

Split from ``client.py`` so that the commands and readers can name a connection, a setting or a
redaction without importing PyGithub and requests (about 0.3 s of start-up): those are imported
only when a client is built (``client.make_client``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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


@dataclass(frozen=True)
class Connection:
    """Where the client connects and as whom (from the run environment or the action's input)."""

    repository: str
    token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
