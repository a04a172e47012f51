"""One pull-request comment, found by a hidden marker on its first line and edited only when
the same identity wrote it (a spoofed marker in someone else's comment is ignored)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Literal

from github import Github, GithubException
from github.IssueComment import IssueComment
from github.PaginatedList import PaginatedList
from github.Repository import Repository

from slo_gate.github.check_run import TRUNCATED_NOTE
from slo_gate.github.client import github_error
from slo_gate.github.paging import post_json
from slo_gate.render.escape import truncate_markdown
from slo_gate.verdict import Verdict

CommentMode = Literal["always", "changed", "off"]

COMMENT_LIMIT = 65_536
ACTIONS_BOT = "github-actions[bot]"

MARKER_PREFIX = "<!-- slo-gate:comment"
_MARKER = re.compile(
    r"^<!-- slo-gate:comment key=([A-Za-z0-9._/-]{1,64}) hash=([0-9a-f]{0,64}) -->$"
)
_KEY = re.compile(r"^[A-Za-z0-9._/-]{0,64}$")


# ---------------------------------------------------------------------------- the PR comment


def verdict_fingerprint(verdict: Verdict) -> str:
    """A short hash of what the verdict says, ignoring when and on which commit it was made.

    ``comment: changed`` rewrites the comment only when this differs from the one in its marker.
    """
    data = verdict.model_dump(mode="json", exclude={"evaluated_at", "commit", "branch"})
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def comment_marker(key: str = "", fingerprint: str = "") -> str:
    """The hidden first line that identifies slo-gate's comment (per ``key``, for matrix jobs)."""
    if not _KEY.match(key):
        raise ValueError(f"comment key {key!r}: use letters, digits, '.', '_', '/' or '-'")
    if not re.fullmatch(r"[0-9a-f]{0,64}", fingerprint):
        raise ValueError(f"fingerprint {fingerprint!r} must be lowercase hex")
    return f"{MARKER_PREFIX} key={key or 'default'} hash={fingerprint} -->"


def parse_marker(body: str) -> tuple[str, str] | None:
    """``(key, fingerprint)`` when the body's *first line* is slo-gate's marker, else None.

    Only the first line counts: slo-gate writes it there, and text quoted further down (a test
    name in a table, a reply quoting the comment) can never be taken for it.
    """
    first = body.split("\n", 1)[0].rstrip("\r")
    match = _MARKER.match(first)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class CommentResult:
    action: Literal["created", "updated", "unchanged", "off"]
    comment_id: int | None = None
    html_url: str = ""
    truncated: bool = False


def find_comment(
    repo: Repository, pr_number: int, *, identity: str, key: str = ""
) -> IssueComment | None:
    """slo-gate's comment on the PR for ``key``, written by ``identity``; all pages searched.

    A comment by anyone else is ignored even when its first line is a perfect marker: a user
    must not be able to make slo-gate overwrite (or skip) its report.
    """
    wanted = key or "default"
    comments: PaginatedList[IssueComment] = PaginatedList(
        IssueComment, repo.requester, f"{repo.url}/issues/{pr_number}/comments", None
    )
    try:
        for comment in comments:
            login = comment.user.login if comment.user is not None else ""
            if login.lower() != identity.lower():
                continue
            marker = parse_marker(comment.body or "")
            if marker is not None and marker[0] == wanted:
                return comment
    except GithubException as exc:
        raise github_error(exc, f"listing the comments of pull request #{pr_number}") from None
    return None


def upsert_comment(
    repo: Repository,
    pr_number: int,
    body: str,
    *,
    identity: str,
    key: str = "",
    fingerprint: str = "",
    mode: CommentMode = "always",
) -> CommentResult:
    """Create slo-gate's one comment on the PR, or update it in place.

    ``mode``: ``always`` writes every run; ``changed`` skips the write when the marker's
    fingerprint equals ``fingerprint``; ``off`` makes no request at all. The body is cut to
    65,536 characters with a note.
    """
    if mode == "off":
        return CommentResult("off")
    marker = comment_marker(key, fingerprint)
    room = COMMENT_LIMIT - len(marker) - 1
    text = truncate_markdown(body, room, TRUNCATED_NOTE)
    full = f"{marker}\n{text}"
    existing = find_comment(repo, pr_number, identity=identity, key=key)
    try:
        if existing is None:
            data = post_json(repo, f"{repo.url}/issues/{pr_number}/comments", {"body": full})
            return CommentResult(
                "created", int(data["id"]), str(data.get("html_url", "")), text != body
            )
        old = parse_marker(existing.body or "")
        if mode == "changed" and fingerprint and old is not None and old[1] == fingerprint:
            return CommentResult("unchanged", existing.id, existing.html_url or "")
        existing.edit(full)
        return CommentResult("updated", existing.id, existing.html_url or "", text != body)
    except GithubException as exc:
        raise github_error(
            exc, f"writing the slo-gate comment on pull request #{pr_number}"
        ) from None


def resolve_identity(github: Github, fallback: str = ACTIONS_BOT) -> str:
    """The login that slo-gate's comments are written by.

    ``GET /user`` answers for a personal token; the Actions token (an installation token) gets
    403 there, and its comments are written by ``github-actions[bot]``.
    """
    try:
        return str(github.get_user().login)
    except GithubException as exc:
        if exc.status in (401, 403, 404):
            return fallback
        raise github_error(exc, "asking GitHub who the token belongs to") from None
