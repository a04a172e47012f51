"""Small REST helpers: ``Link`` paging, timestamps, and a raw POST that skips PyGithub's
fetch-before-write requests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from github.Repository import Repository


def parse_time(value: Any) -> datetime | None:
    """GitHub timestamps (``2024-05-01T10:00:00Z``) as aware datetimes; ``None`` if absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def next_link(headers: Mapping[str, Any]) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, if any."""
    link = headers.get("link") or headers.get("Link")
    if not isinstance(link, str):
        return None
    for part in link.split(","):
        m = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', part)
        if m:
            return m.group(1)
    return None


def post_json(repo: Repository, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to ``url`` through the repository's requester; the JSON object answered."""
    _, data = repo.requester.requestJsonAndCheck("POST", url, input=body)
    return data if isinstance(data, dict) else {}
