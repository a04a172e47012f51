"""Publishers: send an already-rendered verdict to GitHub. They decide nothing and render nothing.

* the check run (conclusion per DESIGN.md, summary ≤ 65,535, annotations 50 per request);
* one pull-request comment, found by a hidden marker on its first line and edited only when
  the same identity wrote it (a spoofed marker in someone else's comment is ignored);
* the release commit status (context ``slo-gate/release``, ≤ 140 characters, no 4-byte
  Unicode);
* the PR's labels, re-read from the API (the event payload is a snapshot and can be stale),
  with who applied an override label and when.

Every function takes a PyGithub ``Repository`` (from ``slo_gate.github.client``) and makes as
few requests as it can: the Actions token has about 1,000 REST requests per hour per repository,
shared by all workflows. Raw ``requester`` calls avoid PyGithub's fetch-before-write GETs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from github import Github, GithubException
from github.CheckRun import CheckRun
from github.IssueComment import IssueComment
from github.IssueEvent import IssueEvent
from github.Label import Label
from github.PaginatedList import PaginatedList
from github.Repository import Repository

from slo_gate.github.client import github_error
from slo_gate.measurements import Annotation
from slo_gate.render.escape import status_description, truncate_markdown
from slo_gate.text import truncate_chars, truncate_utf8
from slo_gate.verdict import Verdict

CheckConclusion = Literal["success", "neutral", "failure"]
StatusState = Literal["success", "failure", "error", "pending"]
CommentMode = Literal["always", "changed", "off"]

CHECK_TEXT_LIMIT = 65_535
"""Check-run ``summary`` and ``text``: 65,535 characters each (counted here in bytes: safer)."""
COMMENT_LIMIT = 65_536
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_MESSAGE_LIMIT = 64 * 1024
ANNOTATION_TITLE_LIMIT = 255
CHECK_TITLE_LIMIT = 255
STATUS_DESCRIPTION_LIMIT = 140
ACTIONS_BOT = "github-actions[bot]"

MARKER_PREFIX = "<!-- slo-gate:comment"
_MARKER = re.compile(
    r"^<!-- slo-gate:comment key=([A-Za-z0-9._/-]{1,64}) hash=([0-9a-f]{0,64}) -->$"
)
_KEY = re.compile(r"^[A-Za-z0-9._/-]{0,64}$")

_TRUNCATED = (
    "> [!NOTE]\n> Cut to fit GitHub's size limit. The complete report is in the job summary "
    "and the verdict file."
)


# ---------------------------------------------------------------------------- decisions


def check_conclusion(verdict: Verdict) -> CheckConclusion:
    """The check run's conclusion (DESIGN.md "Decisions and how they reach people").

    pass → success; warn → neutral; fail → failure; rollback → neutral; pause → success, or
    neutral when something in this change also warns (the pause is about the budgets, which the
    release status reports).
    """
    if verdict.decision == "pass":
        return "success"
    if verdict.decision == "fail":
        return "failure"
    if verdict.decision == "pause":
        warns = any(s.status == "warn" for s in verdict.slos) or any(
            p.level == "warning" for p in verdict.problems
        )
        return "neutral" if warns else "success"
    return "neutral"


def release_status(verdict: Verdict) -> tuple[StatusState, str]:
    """State and description of the release commit status: the budgets alone decide it."""
    state = verdict.release.state
    reason = verdict.release.reason
    if state == "open":
        return "success", status_description(reason or "error budgets allow releases")
    prefix = "releases paused" if state == "paused" else "rollback"
    # The engine's reasons already start with the state ("releases paused: ...").
    text = reason if reason.startswith(prefix) else (f"{prefix}: {reason}" if reason else prefix)
    return "failure", status_description(text, STATUS_DESCRIPTION_LIMIT)


# ---------------------------------------------------------------------------- check run


@dataclass(frozen=True)
class CheckRunResult:
    """What was sent: the check run and how many annotation requests it took."""

    id: int
    html_url: str
    annotations: int
    requests: int
    summary_truncated: bool


def _clean_path(path: str) -> str:
    """Annotation paths are repository-relative with '/' separators."""
    cleaned = path.replace("\\", "/")
    while cleaned.startswith("./"):
        cleaned = cleaned[2:]
    return cleaned.lstrip("/") or "."


def annotation_payload(annotation: Annotation) -> dict[str, str | int]:
    """One annotation as the Checks API wants it, within its limits.

    The message may not be empty (the API refuses it), lines start at 1 and end after start.
    """
    start = max(1, annotation.start_line)
    end = max(start, annotation.end_line)
    message = annotation.message or annotation.title or "(no message)"
    payload: dict[str, str | int] = {
        "path": _clean_path(annotation.path),
        "start_line": start,
        "end_line": end,
        "annotation_level": annotation.level,
        "message": truncate_utf8(message, ANNOTATION_MESSAGE_LIMIT, "…"),
    }
    if annotation.title:
        payload["title"] = truncate_chars(" ".join(annotation.title.split()), 255, "…")
    return payload


def _output(
    title: str, summary: str, text: str, annotations: Sequence[dict[str, str | int]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"title": title, "summary": summary}
    if text:
        out["text"] = text
    if annotations:
        out["annotations"] = list(annotations)
    return out


def publish_check_run(
    repo: Repository,
    *,
    name: str,
    head_sha: str,
    conclusion: CheckConclusion,
    title: str,
    summary: str,
    text: str = "",
    annotations: Sequence[Annotation] = (),
    details_url: str = "",
    external_id: str = "",
) -> CheckRunResult:
    """Create a completed check run with every annotation, 50 per request.

    With more than 50 annotations the run is created ``in_progress`` with the first 50, each
    further chunk is appended by an update, and the last update completes it — so the run never
    shows as finished with annotations still missing. Summary and text are cut (at a line, code
    fences closed, a note added) to fit 65,535.
    """
    short_title = truncate_chars(" ".join(title.split()), CHECK_TITLE_LIMIT, "…")
    cut_summary = truncate_markdown(summary, CHECK_TEXT_LIMIT, _TRUNCATED)
    cut_text = truncate_markdown(text, CHECK_TEXT_LIMIT, _TRUNCATED) if text else ""
    payloads = [annotation_payload(a) for a in annotations]
    chunks = [
        payloads[i : i + ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(payloads), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    extra: dict[str, Any] = {}
    if details_url:
        extra["details_url"] = details_url
    if external_id:
        extra["external_id"] = external_id
    try:
        if len(chunks) == 1:
            run: CheckRun = repo.create_check_run(
                name=name,
                head_sha=head_sha,
                status="completed",
                conclusion=conclusion,
                output=_output(short_title, cut_summary, cut_text, chunks[0]),
                **extra,
            )
        else:
            run = repo.create_check_run(
                name=name,
                head_sha=head_sha,
                status="in_progress",
                output=_output(short_title, cut_summary, cut_text, chunks[0]),
                **extra,
            )
            for chunk in chunks[1:-1]:
                run.edit(output=_output(short_title, cut_summary, cut_text, chunk))
            run.edit(
                status="completed",
                conclusion=conclusion,
                output=_output(short_title, cut_summary, cut_text, chunks[-1]),
            )
    except GithubException as exc:
        raise github_error(exc, f"creating the check run {name!r} on {head_sha[:12]}") from None
    return CheckRunResult(
        id=run.id,
        html_url=run.html_url or "",
        annotations=len(payloads),
        requests=len(chunks),
        summary_truncated=cut_summary != summary,
    )


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
    text = truncate_markdown(body, room, _TRUNCATED)
    full = f"{marker}\n{text}"
    existing = find_comment(repo, pr_number, identity=identity, key=key)
    try:
        if existing is None:
            data = _post(repo, f"{repo.url}/issues/{pr_number}/comments", {"body": full})
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


# ---------------------------------------------------------------------------- commit status


def _post(repo: Repository, url: str, body: dict[str, Any]) -> dict[str, Any]:
    _, data = repo.requester.requestJsonAndCheck("POST", url, input=body)
    return data if isinstance(data, dict) else {}


def publish_release_status(
    repo: Repository,
    sha: str,
    *,
    state: StatusState,
    description: str,
    context: str = "slo-gate/release",
    target_url: str = "",
) -> None:
    """Set the release commit status (one POST, no GET of the commit first).

    The description is flattened to one line, stripped of characters above U+FFFF (which the
    statuses API refuses) and cut to 140 characters.
    """
    body: dict[str, Any] = {
        "state": state,
        "description": status_description(description, STATUS_DESCRIPTION_LIMIT),
        "context": context,
    }
    if target_url:
        body["target_url"] = target_url
    try:
        _post(repo, f"{repo.url}/statuses/{sha}", body)
    except GithubException as exc:
        raise github_error(exc, f"setting the commit status {context!r} on {sha[:12]}") from None


# ---------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class AppliedLabel:
    """A label on the PR now; for audited labels, who applied it last and when."""

    name: str
    applied_by: str | None = None
    applied_at: datetime | None = None


def read_pr_labels(
    repo: Repository, pr_number: int, audit: Collection[str] = ()
) -> tuple[AppliedLabel, ...]:
    """The PR's current labels from the API (never from the event payload, which is a snapshot).

    For labels named in ``audit`` (the override labels) the issue's events are read to find who
    applied each one last and when, so an override is never anonymous.
    """
    try:
        labels: PaginatedList[Label] = PaginatedList(
            Label, repo.requester, f"{repo.url}/issues/{pr_number}/labels", None
        )
        names = [label.name for label in labels]
        wanted = {name for name in names if name in audit}
        who: dict[str, tuple[str | None, datetime | None]] = {}
        if wanted:
            events: PaginatedList[IssueEvent] = PaginatedList(
                IssueEvent, repo.requester, f"{repo.url}/issues/{pr_number}/events", None
            )
            for event in events:
                if event.event != "labeled" or event.label is None:
                    continue
                if event.label.name in wanted:
                    actor = event.actor.login if event.actor is not None else None
                    who[event.label.name] = (actor, event.created_at)
    except GithubException as exc:
        raise github_error(exc, f"reading the labels of pull request #{pr_number}") from None
    return tuple(AppliedLabel(name, *who.get(name, (None, None))) for name in names)


# ---------------------------------------------------------------------------- all of it


@dataclass(frozen=True)
class Rendered:
    """The texts the renderers produced for one verdict (publishers only send them)."""

    title: str
    summary: str
    comment: str
    text: str = ""
    annotations: Sequence[Annotation] = ()


@dataclass(frozen=True)
class PublishTarget:
    """Where results go: the commit (PR head, not the test merge) and the PR, if any."""

    sha: str
    pr_number: int | None
    read_only: bool = False


@dataclass(frozen=True)
class PublishSettings:
    check_name: str = "SLO gate"
    comment: CommentMode = "always"
    comment_key: str = ""
    status_context: str = "slo-gate/release"
    details_url: str = ""
    identity: str = ACTIONS_BOT


@dataclass(frozen=True)
class PublishReport:
    check_run: CheckRunResult | None
    comment: CommentResult | None
    status: tuple[StatusState, str] | None
    skipped: tuple[str, ...] = ()


def publish_verdict(
    repo: Repository,
    verdict: Verdict,
    rendered: Rendered,
    target: PublishTarget,
    settings: PublishSettings,
) -> PublishReport:
    """Send the check run, the PR comment and the release status, in that order.

    With a read-only token (fork PRs) nothing is sent and ``skipped`` says why: the workflow
    uploads the verdict file and a ``workflow_run`` workflow publishes it (``mode: publish``).
    """
    if target.read_only:
        why = (
            "read-only token (a fork's pull request): check run, comment and status are "
            "published by the workflow_run workflow from the uploaded verdict"
        )
        return PublishReport(None, None, None, (why,))
    skipped: list[str] = []
    check = publish_check_run(
        repo,
        name=settings.check_name,
        head_sha=target.sha,
        conclusion=check_conclusion(verdict),
        title=rendered.title,
        summary=rendered.summary,
        text=rendered.text,
        annotations=rendered.annotations,
        details_url=settings.details_url,
    )
    comment: CommentResult | None = None
    if target.pr_number is None:
        skipped.append("no pull request for this event: no comment")
    else:
        comment = upsert_comment(
            repo,
            target.pr_number,
            rendered.comment,
            identity=settings.identity,
            key=settings.comment_key,
            fingerprint=verdict_fingerprint(verdict),
            mode=settings.comment,
        )
    state, description = release_status(verdict)
    publish_release_status(
        repo,
        target.sha,
        state=state,
        description=description,
        context=settings.status_context,
        target_url=settings.details_url,
    )
    return PublishReport(check, comment, (state, description), tuple(skipped))
