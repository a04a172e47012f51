"""The process's one GitHub client: built on first use from a ``Connection``, then reused.

Every reader and publisher of a run (history, CI runs, baselines, labels, the check run, the
report issue) asks this object, so one run has one client, one request counter and one
"N requests, M remaining" line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slo_gate.github.connection import Connection

if TYPE_CHECKING:
    from slo_gate.github.client import GitHubClient

ClientFactory = Callable[[Connection], "GitHubClient"]


class SharedClient:
    """A lazily built client; ``get()`` always returns the same one."""

    def __init__(self, conn: Connection, factory: ClientFactory | None = None) -> None:
        self.conn = conn
        self._factory = factory
        self._client: GitHubClient | None = None

    def __repr__(self) -> str:
        return f"SharedClient(repository={self.conn.repository!r}, built={self.built})"

    @property
    def has_repository(self) -> bool:
        return bool(self.conn.repository)

    @property
    def has_token(self) -> bool:
        return bool(self.conn.token)

    @property
    def usable(self) -> bool:
        """A repository and a token: enough to read and write."""
        return self.has_repository and self.has_token

    @property
    def built(self) -> bool:
        return self._client is not None

    def get(self) -> GitHubClient:
        """The client (built now if this is the first call); a bad repository raises."""
        if self._client is None:
            self._client = (self._factory or _make_client)(self.conn)
        return self._client

    def summary(self) -> str | None:
        """The request line of the run, or None when GitHub was never used."""
        return self._client.summary() if self._client is not None else None


def _make_client(conn: Connection) -> GitHubClient:
    """PyGithub and requests are imported here, when a run first needs GitHub."""
    from slo_gate.github.client import make_client

    return make_client(conn)
