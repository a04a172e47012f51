"""Units of the policy file (DESIGN.md "Units").

``KB`` = 1000 bytes, ``KiB`` = 1024, ``MB`` = 1,000,000, ``MiB`` = 1,048,576; a bare number is
bytes. Durations take ``ms``, ``s``, ``min``, ``h`` and ``d``; a bare number is seconds.
Percentages take ``97%`` or a fraction such as ``0.97``.

Every number must be finite: sizes lie within 0 – 1 TB and durations within 0 – 10 years;
anything else (``.inf``, ``1e400``, a 400-digit integer) is refused with a ``ValueError`` that
the policy loader reports with its key and line (never an ``OverflowError``).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

BYTE_UNITS: dict[str, int] = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}

DURATION_UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}

#: the largest size a policy may name (1 TB): beyond it a number is a typo or an attack
MAX_BYTES = 1000**4
#: the longest duration a policy may name (10 years)
MAX_DURATION_S = 10 * 365.25 * 86400.0

UNIT_RULE = "KB = 1000 bytes, KiB = 1024 bytes, MB = 1,000,000 bytes, MiB = 1,048,576 bytes"

_NUMBER_UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z%]*)\s*$")


def _split(text: str, kind: str, example: str) -> tuple[float, str]:
    match = _NUMBER_UNIT.match(text) if len(text) <= 100 else None
    if not match:
        shown = text if len(text) <= 100 else text[:100] + "…"
        raise ValueError(f"expected a {kind} such as {example!r}, got {shown!r}")
    return float(match.group(1)), match.group(2).lower()


def _finite(value: float, kind: str) -> float:
    """``float(value)``, refusing infinities, not-a-number and integers too large for a float.

    Raises ``ValueError`` (which pydantic reports with the key and line), never
    ``OverflowError``.
    """
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"a {kind} must be a finite number") from None
    if not math.isfinite(number):
        raise ValueError(f"a {kind} must be a finite number")
    return number


def parse_bytes(value: Any) -> int:
    """Parse ``250 KB``, ``1 MiB`` or a bare number of bytes into bytes."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as '250 KB', got a boolean")
    if isinstance(value, int | float):
        number, unit = _finite(value, "size"), "b"
    elif isinstance(value, str):
        number, unit = _split(value, "size", "250 KB")
        unit = unit or "b"
    else:
        raise ValueError(f"expected a size such as '250 KB', got {type(value).__name__}")
    if unit not in BYTE_UNITS:
        known = ", ".join(u.upper() if u != "b" else "B" for u in BYTE_UNITS)
        raise ValueError(f"unknown size unit {unit!r} (known: {known})")
    if number < 0:
        raise ValueError("a size cannot be negative")
    size = _finite(number * BYTE_UNITS[unit], "size")
    if size > MAX_BYTES:
        raise ValueError("a size must be at most 1 TB (1,000,000,000,000 bytes)")
    return round(size)


def parse_duration(value: Any) -> float:
    """Parse ``5 min``, ``400 ms``, ``30d`` or a bare number of seconds into seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '5 min', got a boolean")
    if isinstance(value, int | float):
        number, unit = _finite(value, "duration"), "s"
    elif isinstance(value, str):
        number, unit = _split(value, "duration", "5 min")
        unit = unit or "s"
    else:
        raise ValueError(f"expected a duration such as '5 min', got {type(value).__name__}")
    if unit not in DURATION_UNITS:
        raise ValueError(f"unknown duration unit {unit!r} (known: {', '.join(DURATION_UNITS)})")
    seconds = number * DURATION_UNITS[unit]
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("a duration must be a finite, non-negative number")
    if seconds > MAX_DURATION_S:
        raise ValueError("a duration must be at most 10 years")
    return seconds


def parse_ratio(value: Any) -> float:
    """Parse ``99.5%`` or ``0.995`` into a fraction in [0, 1]."""
    if isinstance(value, bool):
        raise ValueError("expected a percentage such as '95%', got a boolean")
    if isinstance(value, int | float):
        ratio = _finite(value, "percentage")
    elif isinstance(value, str):
        number, unit = _split(value, "percentage", "95%")
        if unit not in ("%", ""):
            raise ValueError(f"expected a percentage such as '95%', got {value!r}")
        ratio = number / 100 if unit == "%" else number
    else:
        raise ValueError(f"expected a percentage such as '95%', got {type(value).__name__}")
    if not 0 <= ratio <= 1:
        raise ValueError(f"a percentage must lie between 0% and 100%, got {value!r}")
    return ratio


def format_duration(seconds: float) -> str:
    """Render seconds the way the policy file writes them (``5 min``, ``400 ms``)."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= size and (seconds / size) == round(seconds / size, 3):
            return f"{seconds / size:g} {unit}"
    return f"{seconds * 1000:g} ms"


ByteSize = Annotated[
    int,
    BeforeValidator(parse_bytes),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*[0-9.]+\s*([KkMmGg]i?[Bb]|[Bb])?\s*$"},
            ],
            "description": f"a size; {UNIT_RULE}; a bare number is bytes",
        }
    ),
]

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^\s*[0-9.]+\s*(ms|s|sec|m|min|h|d)?\s*$"},
            ],
            "description": "a duration: ms, s, min, h or d; a bare number is seconds",
        }
    ),
]

Ratio = Annotated[
    float,
    BeforeValidator(parse_ratio),
    PlainSerializer(lambda r: r, return_type=float),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^\s*[0-9.]+\s*%\s*$"},
            ],
            "description": "a percentage ('95%') or a fraction (0.95)",
        }
    ),
]
