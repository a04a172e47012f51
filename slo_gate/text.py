"""Untrusted text, cleaned and cut: the one home of these rules for collectors and renderers.

Test names, failure messages, file names and log lines come from pull requests, forks included
(DESIGN.md "Untrusted input"). Collectors clean what they keep (``clean_text``); renderers and
publishers cut it to GitHub's limits (``truncate_utf8``, ``truncate_chars``, ``no_astral``) and
escape it for Markdown or HTML (``render.escape``). Cuts never split a character and always say
that something was cut.

The one escaping rule: every string that came from a file, a policy, an artifact or an API is
data, escaped where it is written, for the place it is written to —

- a terminal or a log line (``visible``): one line, every control and format character (ANSI
  escapes, CR, bidirectional controls) shown as ``?``; inside GitHub Actions the printed report
  is also wrapped in ``::stop-commands::TOKEN`` (``stop_commands``) so no line can act as a
  workflow command;
- workflow-command data and properties: the runner's percent escapes (``gha.escape_data``);
- Markdown and HTML (``render.escape``): entities, backslash escapes, code spans, no mentions,
  bidirectional controls replaced by U+FFFD (``neutralise_bidi``);
- JSON (``render.json_out``): the same values, bidirectional and C1 controls as ``\\uXXXX``;
- stderr error messages (``errors.SloGateError.render``): ``visible`` for each part, wrapped in
  stop-commands when a line could still look like a command.

Pure: no I/O, no clock, no environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REPLACEMENT = "\ufffd"
ELLIPSIS = "…"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
# C0 controls a terminal would interpret; tab and the line breaks stay (renderers map those)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# what a collector keeps: no control character at all but tab and newline (C1 included)
_REPORT_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ASTRAL = re.compile(r"[\U00010000-\U0010FFFF]")
#: bidirectional controls (Trojan Source): embeddings, overrides, isolates, marks
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: what the runner (and older ones) read as a workflow command in a log line
COMMAND_LIKE = re.compile(r"^\s*::|##\[")
_STOP_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")


def neutralise_bidi(text: str, replacement: str = REPLACEMENT) -> str:
    """Replace bidirectional control characters, which reorder what a reader sees."""
    return BIDI_CONTROLS.sub(replacement, text)


def visible(text: str) -> str:
    """Untrusted text for a terminal or a log: one line (line breaks become spaces) and every
    other character that is not printable (control, format and bidirectional characters, ANSI
    escapes) shown as ``?``. Printable text is left exactly as it is."""
    if text.isprintable():
        return text
    one_line = text.replace("\n", " ")
    return "".join(ch if ch.isprintable() else "?" for ch in one_line)


def looks_like_command(text: str) -> bool:
    """Whether a line of ``text`` would be read as a workflow command by the Actions runner."""
    return any(COMMAND_LIKE.search(line) for line in text.splitlines())


def new_stop_token() -> str:
    """A random stop-commands token (``secrets`` is imported by the runs that print in Actions)."""
    import secrets

    return secrets.token_hex(16)


def stop_commands(text: str, token: str) -> str:
    """``text`` between ``::stop-commands::TOKEN`` and ``::TOKEN::``: the runner obeys no
    workflow command in between, and the characters stay exactly as they are.

    ``token`` must be random (``new_stop_token``): text from a pull
    request cannot guess it. Should the text contain it anyway, a longer token derived from it
    is used, so the text can never end the block early.
    """
    if not _STOP_TOKEN.fullmatch(token):
        raise ValueError("a stop-commands token must be 16+ letters, digits, '-' or '_'")
    while token in text:
        token += "x"
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor sequences (Playwright colours its error messages)."""
    return _ANSI.sub("", text)


def strip_controls(text: str) -> str:
    """Drop C0 control characters (except tab and line breaks) that terminals would interpret."""
    return _CONTROL.sub("", text)


def clean_text(text: str) -> str:
    """Text from a report made safe to carry: no ANSI codes, no control characters but tab and
    newline."""
    return _REPORT_CONTROL.sub("", strip_ansi(text)) if text else ""


def no_astral(text: str, replacement: str = REPLACEMENT) -> str:
    """Replace characters above U+FFFF (4-byte UTF-8): GitHub refuses them in several fields."""
    return _ASTRAL.sub(replacement, text)


def utf8_len(text: str) -> int:
    """Size of ``text`` in UTF-8 bytes (GitHub's limits count bytes or characters; bytes ≥ both)."""
    return len(text.encode("utf-8"))


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` that fits in ``max_bytes`` without splitting a character."""
    if max_bytes <= 0:
        return ""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def _cut_chars(text: str, max_chars: int) -> str:
    return text[: max(0, max_chars)]


def _truncate(
    text: str,
    limit: int,
    note: str,
    size: Callable[[str], int],
    cut: Callable[[str, int], str],
    name: str,
) -> str:
    if limit < 0:
        raise ValueError(f"{name} must not be negative, got {limit}")
    if size(text) <= limit:
        return text
    room = limit - size(note)
    if room < 0:
        return cut(note, limit)
    return cut(text, room) + note


def truncate_utf8(text: str, max_bytes: int, note: str = "") -> str:
    """``text`` unchanged when it fits in ``max_bytes``; else a prefix followed by ``note``.

    The result, note included, never exceeds ``max_bytes`` bytes of UTF-8, and no character is
    split. When the note alone does not fit, the note itself is cut.
    """
    return _truncate(text, max_bytes, note, utf8_len, cut_utf8, "max_bytes")


def truncate_chars(text: str, max_chars: int, note: str = "") -> str:
    """Like ``truncate_utf8`` but counting characters (code points)."""
    return _truncate(text, max_chars, note, len, _cut_chars, "max_chars")
