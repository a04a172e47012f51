"""The verdict as JSON (the contract of DESIGN.md; schema: ``slo-gate schema verdict``).

The values are the verdict's own — tools read them back unchanged — but characters that would
act on whoever looks at the file (bidirectional controls, C1 controls, the Unicode line and
paragraph separators) are written as ``\\uXXXX`` escapes, which JSON reads as the same string.
"""

from __future__ import annotations

from slo_gate.verdict import Verdict

_ESCAPED = {
    code: f"\\u{code:04x}"
    for code in (
        *range(0x80, 0xA0),  # C1 controls (0x9b starts a terminal sequence)
        0x061C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x2028,
        0x2029,
    )
}


def escape_json_text(text: str) -> str:
    """JSON text with the characters above escaped; valid wherever they appear, since JSON
    allows them only inside strings."""
    return text.translate(_ESCAPED)


def render_json(verdict: Verdict) -> str:
    return escape_json_text(verdict.model_dump_json(indent=2)) + "\n"
