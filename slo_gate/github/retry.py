"""Retries of GitHub requests: server errors, secondary rate limits (wait at least 60 s, bounded)
and primary rate limits (waited for only when the reset is near). Sleep and clock are injected.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from github.GithubException import (
    RateLimitExceededExceedsMaxWait,
    RateLimitExceededException,
)
from github.Requester import Requester
from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

Sleeper = Callable[[float], None]
Clock = Callable[[], float]


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
