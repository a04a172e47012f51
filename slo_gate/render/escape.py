"""Escaping of untrusted text for Markdown and HTML, and Markdown cut to GitHub's size limits.

Test names, failure messages, file names and log lines come from pull requests, forks included
(DESIGN.md "Untrusted input"). Every renderer passes them through one of these helpers so that
they stay inside their table cell or code span, never become HTML, never mention people or
teams, never forge slo-gate's hidden comment marker, and never push a body past a GitHub limit.
Cleaning and plain cutting live in ``slo_gate.text``.

Pure: no I/O, no clock, no environment.
"""

from __future__ import annotations

import re

from slo_gate.text import (
    cut_utf8,
    neutralise_bidi,
    no_astral,
    strip_controls,
    truncate_utf8,
    utf8_len,
)

ZWSP = "\u200b"
"""Zero-width space: breaks ``@name`` and ``#123`` for GitHub's autolinker, invisible to readers."""

_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Characters that start Markdown inline syntax. '<', '>' and '&' become entities instead.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
_ISSUE_REF = re.compile(r"#(?=[0-9])")
_HTML_COMMENT = re.compile(r"<(?=!--)|(?<=-)-(?=>)")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")
_BACKTICK_RUN = re.compile(r"`+")
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _chars(text: str) -> str:
    """No terminal control characters and no bidirectional controls (which would reorder what
    a reader sees, "Trojan Source"): the first step of every helper below."""
    return neutralise_bidi(strip_controls(text))


def neutralise_mentions(text: str) -> str:
    """``@user`` and ``@org/team`` would notify people: put a zero-width space after the ``@``."""
    return _MENTION.sub("@" + ZWSP, text)


def neutralise_issue_refs(text: str) -> str:
    """``#123`` would link (and cross-reference) an issue: put a zero-width space after ``#``."""
    return _ISSUE_REF.sub("#" + ZWSP, text)


def neutralise_html_comments(text: str) -> str:
    """Break ``<!--`` and ``-->`` so untrusted text can neither forge nor close a hidden marker.

    Used where entities do not work (code spans and code blocks show them literally).
    """
    return _HTML_COMMENT.sub(lambda m: m.group(0) + ZWSP, text)


def html_text(text: str, *, issue_refs: bool = False) -> str:
    """Text for HTML (``<summary>``, ``<td>``, attribute values): entities, no mentions."""
    escaped = "".join(_HTML_ENTITIES.get(c, c) for c in _chars(text))
    escaped = neutralise_mentions(escaped)
    return neutralise_issue_refs(escaped) if issue_refs else escaped


def md_text(text: str, *, issue_refs: bool = False) -> str:
    """Inline Markdown text: no HTML, no emphasis/links/headings, no mentions, one paragraph.

    Backslash-escapes Markdown punctuation and turns ``<``, ``>`` and ``&`` into entities, so
    ``<!-- slo-gate:comment -->`` arrives as visible text and never as a comment. Line breaks
    become spaces (a newline could start a heading, a list or a table row).
    """
    one_line = _LINE_BREAKS.sub(" ", _chars(text))
    # Quotes are not Markdown syntax: only &, < and > become entities (an entity's '#' would
    # be escaped below and show as "&\#39;").
    escaped = "".join(_MD_ENTITIES.get(c, c) for c in one_line)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    escaped = neutralise_mentions(escaped)
    return neutralise_issue_refs(escaped) if issue_refs else escaped


def md_table_cell(text: str, *, issue_refs: bool = False, max_chars: int | None = None) -> str:
    """A GFM table cell: like ``md_text`` (pipes are escaped there), line breaks as ``<br>``.

    ``max_chars`` shortens the untrusted text before escaping so that an escape sequence is
    never cut in half.
    """
    if max_chars is not None and len(text) > max_chars:
        text = text[: max(0, max_chars - 1)] + "…"
    lines = [md_text(line, issue_refs=issue_refs) for line in _LINE_BREAKS.split(text)]
    return "<br>".join(lines).strip() or " "


def _fence_for(text: str, minimum: int) -> str:
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    return "`" * max(minimum, longest + 1)


def md_code(text: str, *, in_table: bool = False) -> str:
    """Inline code whose fence is longer than any backtick run inside it.

    Mentions are not linked inside code, and entities are not decoded there, so only line
    breaks (spaces), hidden-marker syntax and, inside a table, pipes need care.
    """
    body = neutralise_html_comments(_LINE_BREAKS.sub(" ", _chars(text)))
    if in_table:
        body = body.replace("|", "\\|")
    fence = _fence_for(body, 1)
    # CommonMark strips one space from each side when both are present: pad when the content
    # starts or ends with a backtick (or a space, which would otherwise be eaten).
    if not body:
        body = " "
    elif body.startswith(("`", " ")) or body.endswith(("`", " ")):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def md_code_block(text: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    body = neutralise_html_comments(_chars(text).replace("\r\n", "\n").replace("\r", "\n"))
    fence = _fence_for(body, 3)
    info = re.sub(r"[^A-Za-z0-9_+-]", "", language)
    return f"{fence}{info}\n{body.rstrip(chr(10))}\n{fence}"


def status_description(text: str, max_chars: int = 140) -> str:
    """A commit-status description: one line, no 4-byte Unicode, at most ``max_chars``."""
    flat = " ".join(no_astral(_chars(text)).split())
    if len(flat) <= max_chars:
        return flat
    return flat[: max_chars - 1].rstrip() + "…"


def _open_fence(lines: list[str]) -> str | None:
    """The fence of a code block still open after ``lines`` (None when all are closed)."""
    fence: str | None = None
    for line in lines:
        match = _FENCE_LINE.match(line)
        if not match:
            continue
        marker = match.group(1)
        if fence is None:
            fence = marker
        elif (
            marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker) :]
        ):
            fence = None
    return fence


def truncate_markdown(text: str, max_bytes: int, note: str) -> str:
    """Shorten Markdown to ``max_bytes`` and degrade gracefully rather than break.

    Cuts at a line boundary, closes a code fence and any ``<details>`` left open, then appends
    ``note`` (which should say where the full report is). Tables cut between rows stay tables.
    """
    if utf8_len(text) <= max_bytes:
        return text
    suffix = "\n\n" + note + "\n"
    # Reserve room for the closers this function may add (a fence of up to 12 backticks and a
    # few </details>), so the result never exceeds max_bytes.
    reserve = utf8_len(suffix) + 64
    prefix = cut_utf8(text, max_bytes - reserve)
    if "\n" in prefix:
        prefix = prefix[: prefix.rindex("\n")]
    lines = prefix.split("\n")
    closers: list[str] = []
    fence = _open_fence(lines)
    if fence is not None:
        closers.append(fence[:12])
    opened = len(re.findall(r"<details\b", prefix, re.IGNORECASE))
    closed = len(re.findall(r"</details>", prefix, re.IGNORECASE))
    closers.extend(["</details>"] * min(3, max(0, opened - closed)))
    tail = ("\n" + "\n".join(closers)) if closers else ""
    result = prefix + tail + suffix
    return truncate_utf8(result, max_bytes, "")
