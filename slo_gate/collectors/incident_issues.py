"""Incident issues: root cause and remediation sections, and the post-incident review link.

The issues are read from GitHub (``github.issues``) as plain data; this turns their Markdown
bodies into what the monthly report shows. Bodies are untrusted text: headings and links are
found by bounded, line-by-line patterns, code blocks are skipped, sections are cut at
``SECTION_CHARS``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from slo_gate.report_model import IncidentIssue, IncidentIssueData, ReviewState

HOUR = 3600
REVIEW_DEADLINE_S = 48 * HOUR  # SLOS.md: "post-incident review within 48 hours"
SECTION_CHARS = 2000


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_BOLD_HEADING = re.compile(r"^ {0,3}(?:\*\*|__)(.+?)(?:\*\*|__):?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ROOT_CAUSE = re.compile(r"\b(root[ \t-]*causes?|causes?)\b", re.IGNORECASE)
_REMEDIATION = re.compile(
    r"\b(remediation|remediations|action items?|follow[ \t-]*ups?|fix(es)?|mitigation)\b",
    re.IGNORECASE,
)
_REVIEW = re.compile(
    r"\b(post[ \t-]*incident[ \t-]*review|post[ \t-]*mortem|PIR|review|retro(spective)?)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://[^\s<>)\]]+|(?<![\w/])(?:[\w.-]+/[\w.-]+)?#\d+\b")


def _headings(body: str) -> list[tuple[int, int, str]]:
    """``(line index, level, title)`` of ATX headings and bold-only lines outside code fences."""
    out = []
    fenced = False
    for i, line in enumerate(body.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        m = _HEADING.match(line)
        if m:
            out.append((i, len(m.group(1)), m.group(2).strip()))
            continue
        b = _BOLD_HEADING.match(line)
        if b:
            out.append((i, 7, b.group(1).strip()))
    return out


def section(body: str, title: re.Pattern[str]) -> str | None:
    """The text under the first heading whose title matches, up to the next peer heading."""
    lines = body.splitlines()
    heads = _headings(body)
    for k, (index, level, text) in enumerate(heads):
        if not title.search(text):
            continue
        stop = len(lines)
        for j, lvl, _ in heads[k + 1 :]:
            if lvl <= level or lvl == 7 or level == 7:
                stop = j
                break
        content = "\n".join(lines[index + 1 : stop]).strip()
        if content:
            return content[:SECTION_CHARS] + ("…" if len(content) > SECTION_CHARS else "")
    return None


def review_link(text: str) -> str | None:
    """A link to a post-incident review: on a line that says review/postmortem, or under such
    a heading. Code blocks are ignored."""
    in_section = False
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _HEADING.match(line) or _BOLD_HEADING.match(line)
        if heading:
            in_section = bool(_REVIEW.search(line))
        link = _LINK.search(line)
        if link and (in_section or _REVIEW.search(line)):
            return link.group(0)
    return None


def parse_incident_issue(issue: IncidentIssueData, now: datetime) -> IncidentIssue:
    """Root cause and remediation sections, and whether a review was linked within 48 hours.

    The body counts as written when the issue was opened (GitHub's REST API does not say when
    a body was edited); comments count at their own time.
    """
    candidates: list[tuple[datetime, str]] = []
    link = review_link(issue.body)
    if link:
        candidates.append((issue.opened_at, link))
    for comment in sorted(issue.comments, key=lambda c: c.created_at):
        link = review_link(comment.body)
        if link:
            candidates.append((comment.created_at, link))
    deadline = _aware(issue.opened_at) + timedelta(seconds=REVIEW_DEADLINE_S)
    state: ReviewState
    at, found = candidates[0] if candidates else (None, None)
    if at is not None and _aware(at) <= deadline:
        state = "linked"
    elif at is not None:
        state = "late"
    elif _aware(now) < deadline:
        state = "pending"
    else:
        state = "missing"
    return IncidentIssue(
        number=issue.number,
        title=issue.title,
        url=issue.url,
        opened_at=issue.opened_at,
        closed_at=issue.closed_at,
        root_cause=section(issue.body, _ROOT_CAUSE),
        remediation=section(issue.body, _REMEDIATION),
        review=state,
        review_link=found,
        review_at=at,
        flagged=state in ("late", "missing"),
    )


def incident_issues(
    issues: list[IncidentIssueData], start: datetime, end: datetime, now: datetime
) -> list[IncidentIssue]:
    """The issues opened in ``[start, end)``, oldest first, parsed."""
    return [
        parse_incident_issue(i, now)
        for i in sorted(issues, key=lambda i: (i.opened_at, i.number))
        if start <= _aware(i.opened_at) < end
    ]
