"""The check run: conclusion per DESIGN.md, summary ≤ 65,535, annotations 50 per request.

Raw ``requester`` calls avoid PyGithub's fetch-before-write GETs (the Actions token has about
1,000 REST requests per hour per repository, shared by all workflows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from github import GithubException
from github.CheckRun import CheckRun
from github.Repository import Repository

from slo_gate.github.client import github_error
from slo_gate.measurements import Annotation
from slo_gate.render.escape import truncate_markdown
from slo_gate.text import clean_text, neutralise_bidi, no_astral, truncate_chars, truncate_utf8
from slo_gate.verdict import Verdict

CheckConclusion = Literal["success", "neutral", "failure"]

CHECK_TEXT_LIMIT = 65_535
"""Check-run ``summary`` and ``text``: 65,535 characters each (counted here in bytes: safer)."""
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_MESSAGE_LIMIT = 64 * 1024
ANNOTATION_TITLE_LIMIT = 255
CHECK_TITLE_LIMIT = 255

TRUNCATED_NOTE = (
    "> [!NOTE]\n> Cut to fit GitHub's size limit. The complete report is in the job summary "
    "and the verdict file."
)


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


def _text(text: str) -> str:
    return no_astral(neutralise_bidi(clean_text(text)))


def annotation_payload(annotation: Annotation) -> dict[str, str | int]:
    """One annotation as the Checks API wants it, within its limits.

    The message may not be empty (the API refuses it), lines start at 1 and end after start.
    Its text is data: control, bidirectional and 4-byte characters do not reach GitHub.
    """
    start = max(1, annotation.start_line)
    end = max(start, annotation.end_line)
    message = _text(annotation.message or annotation.title or "(no message)")
    payload: dict[str, str | int] = {
        "path": _clean_path(" ".join(_text(annotation.path).split())),
        "start_line": start,
        "end_line": end,
        "annotation_level": annotation.level,
        "message": truncate_utf8(message, ANNOTATION_MESSAGE_LIMIT, "…"),
    }
    if annotation.title:
        payload["title"] = truncate_chars(" ".join(_text(annotation.title).split()), 255, "…")
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
    cut_summary = truncate_markdown(summary, CHECK_TEXT_LIMIT, TRUNCATED_NOTE)
    cut_text = truncate_markdown(text, CHECK_TEXT_LIMIT, TRUNCATED_NOTE) if text else ""
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
