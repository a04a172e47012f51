"""Units of the policy file: one grammar for the parser and the JSON Schema.

Sizes: ``KB`` = 1000 bytes, ``KiB`` = 1024, ``MB`` = 1,000,000, ``MiB`` = 1,048,576; a bare
whole number is bytes (``250.5`` and ``1,000 KB`` are refused with a suggestion). Durations and
latencies need a unit: ``ms``, ``s``, ``min``, ``h``, ``d`` or ``w`` (``500 ms``, ``1.5 s``,
``5 min``, ``30d``); a bare number is refused ("write 1500 ms or 1.5 s"). Ratios are a
percentage (``99.8%``) or a fraction ≤ 1 (``0.998``); ``99.8`` is refused ("write 99.8% or
0.998"). Budget windows lie within 1 d – 90 d. Units are case-insensitive (``1 MIB``, ``5 MIN``).

Each kind's pattern is built once (``Grammar``) and used both by the parser (``re``) and in the
JSON Schema (``pattern``), so the two cannot disagree. Case-insensitivity is spelt into the
pattern (``[Mm][Ii][Bb]``): JSON Schema patterns have no flags.

Every number must be finite: sizes lie within 0 – 1 TB and durations within 0 – 10 years;
anything else (``.inf``, ``1e400``, a 400-digit integer) is refused with a ``ValueError`` that
the policy loader reports with its key and line (never an ``OverflowError``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, ValidationInfo, WithJsonSchema

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
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
}

DAY = 86400.0
#: the largest size a policy may name (1 TB): beyond it a number is a typo or an attack
MAX_BYTES = 1000**4
#: the longest duration a policy may name (10 years)
MAX_DURATION_S = 10 * 365.25 * 86400.0
#: error-budget windows lie within these bounds
MIN_WINDOW_S = 1 * DAY
MAX_WINDOW_S = 90 * DAY

UNIT_RULE = "KB = 1000 bytes, KiB = 1024 bytes, MB = 1,000,000 bytes, MiB = 1,048,576 bytes"

#: a decimal number as the policy writes it: 250, 1.5, .5
NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_COMMA_NUMBER = re.compile(r"^\s*[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\s*([A-Za-z%]*)\s*$")
_BARE = re.compile(rf"^\s*({NUMBER})\s*$")
_ANY_UNIT = re.compile(rf"^\s*({NUMBER})\s*([A-Za-z%]+)\s*$")


def _any_case(unit: str) -> str:
    """``mib`` -> ``[Mm][Ii][Bb]``: a case-insensitive pattern without regex flags."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in unit)


@dataclass(frozen=True)
class Grammar:
    """A number with one of ``units``; ``bare_integer`` allows a unit-less whole number."""

    units: Mapping[str, float]
    bare_integer: bool = False

    @cached_property
    def pattern(self) -> str:
        names = sorted(self.units, key=lambda u: (-len(u), u))
        units = "|".join(_any_case(u) for u in names)
        with_unit = rf"({NUMBER})\s*({units})"
        body = rf"(?:{with_unit}|([0-9]+))" if self.bare_integer else with_unit
        return rf"^\s*{body}\s*$"

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def match(self, text: str) -> tuple[float, str] | None:
        """(number, lower-case unit) or None; a bare integer comes back with unit ``''``."""
        found = self.regex.match(text) if len(text) <= 100 else None
        if found is None:
            return None
        if found.group(1) is not None:
            return float(found.group(1)), found.group(2).lower()
        return float(found.group(3)), ""


BYTES = Grammar(BYTE_UNITS, bare_integer=True)
DURATION = Grammar(DURATION_UNITS)
PERCENT = Grammar({"%": 0.01})
#: a fraction written as such (a string "0.998"): 0 – 1
FRACTION_PATTERN = r"^\s*(?:0(?:\.[0-9]+)?|1(?:\.0+)?|\.[0-9]+)\s*$"
_FRACTION = re.compile(FRACTION_PATTERN)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 100 else text[:100] + "…")


def _g(value: float) -> str:
    return f"{value:.6g}"


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


def _comma_hint(text: str, kind: str) -> None:
    found = _COMMA_NUMBER.match(text) if len(text) <= 100 else None
    if found is not None:
        plain = text.replace(",", "").strip()
        raise ValueError(
            f"a {kind} has no thousands separators: write {plain!r} instead of {text.strip()!r}"
        )


# ----------------------------------------------------------------------------- sizes


def parse_bytes(value: Any) -> int:
    """Parse ``250 KB``, ``1 MiB`` or a bare whole number of bytes into bytes."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as '250 KB', got a boolean")
    if isinstance(value, int | float):
        number = _finite(value, "size")
        if number != int(number):
            raise ValueError(
                f"a size without a unit is a whole number of bytes: write {math.floor(number)} "
                f"or {math.ceil(number)}, or give a unit ('{_g(number)} KB')"
            )
        unit = "b"
    elif isinstance(value, str):
        _comma_hint(value, "size")
        parsed = BYTES.match(value)
        if parsed is None:
            raise ValueError(_size_problem(value))
        number, unit = parsed
        unit = unit or "b"
    else:
        raise ValueError(f"expected a size such as '250 KB', got {type(value).__name__}")
    size = _finite(number * BYTE_UNITS[unit], "size")
    if size > MAX_BYTES:
        raise ValueError("a size must be at most 1 TB (1,000,000,000,000 bytes)")
    return round(size)


def _size_problem(text: str) -> str:
    bare = _BARE.match(text) if len(text) <= 100 else None
    if bare is not None:
        number = float(bare.group(1))
        return (
            f"a size without a unit is a whole number of bytes: write {math.floor(number)} "
            f"or {math.ceil(number)}, or give a unit ('{_g(number)} KB')"
        )
    unit = _ANY_UNIT.match(text) if len(text) <= 100 else None
    if unit is not None:
        known = ", ".join(u.upper() if u != "b" else "B" for u in BYTE_UNITS)
        return f"unknown size unit {unit.group(2)!r} (known: {known})"
    return f"expected a size such as '250 KB' or a whole number of bytes, got {_shown(text)}"


# ----------------------------------------------------------------------------- durations


def _duration_hint(number: float, units: tuple[str, str] | None) -> str:
    if units is None:
        return f"write {_g(number)}d"
    first, second = units
    other = number * DURATION_UNITS[first] / DURATION_UNITS[second]
    return f"write {_g(number)} {first} or {_g(other)} {second}"


def parse_duration(value: Any, hint: tuple[str, str] | None = ("ms", "s")) -> float:
    """Parse ``5 min``, ``400 ms``, ``30d`` into seconds; a bare number is refused.

    ``hint`` names the two units the refusal suggests for a bare number ("write 1500 ms or
    1.5 s"); None suggests days (a window).
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '5 min', got a boolean")
    if isinstance(value, int | float):
        number = _finite(value, "duration")
        raise ValueError(f"a duration needs a unit: {_duration_hint(number, hint)}")
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as '5 min', got {type(value).__name__}")
    _comma_hint(value, "duration")
    parsed = DURATION.match(value)
    if parsed is None:
        bare = _BARE.match(value) if len(value) <= 100 else None
        if bare is not None:
            number = float(bare.group(1))
            raise ValueError(f"a duration needs a unit: {_duration_hint(number, hint)}")
        other = _ANY_UNIT.match(value) if len(value) <= 100 else None
        if other is not None:
            extra = " (minutes are 'min')" if other.group(2).lower() in ("m", "mins") else ""
            raise ValueError(
                f"unknown duration unit {other.group(2)!r}{extra}; known: "
                f"{', '.join(DURATION_UNITS)}"
            )
        raise ValueError(f"expected a duration such as '5 min', got {_shown(value)}")
    number, unit = parsed
    seconds = _finite(number * DURATION_UNITS[unit], "duration")
    if seconds > MAX_DURATION_S:
        raise ValueError("a duration must be at most 10 years")
    return seconds


def parse_window(value: Any) -> float:
    """A budget or measurement window: a duration within 1 d – 90 d."""
    seconds = parse_duration(value, hint=None)
    if not MIN_WINDOW_S <= seconds <= MAX_WINDOW_S:
        raise ValueError(
            f"a window must lie within 1d and 90d (such as 30d), got {format_duration(seconds)}"
        )
    return seconds


def parse_seconds(value: Any) -> float:
    """A number of seconds (the key says the unit, as in ``seconds: 83.2``) or a duration."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _finite(value, "duration")
        if not 0 <= number <= MAX_DURATION_S:
            raise ValueError("a duration must lie within 0 s and 10 years")
        return number
    return parse_duration(value, hint=("s", "min"))


# ----------------------------------------------------------------------------- ratios


def parse_ratio(value: Any) -> float:
    """Parse ``99.5%`` or a fraction ``0.995`` into a fraction in [0, 1]."""
    if isinstance(value, bool):
        raise ValueError("expected a percentage such as '95%', got a boolean")
    if isinstance(value, int | float):
        ratio = _finite(value, "percentage")
        shown = _g(ratio)
    elif isinstance(value, str):
        _comma_hint(value, "percentage")
        parsed = PERCENT.match(value)
        bare = _BARE.match(value) if len(value) <= 100 else None
        if parsed is not None:
            ratio = parsed[0] / 100
            if not 0 <= ratio <= 1:
                raise ValueError(f"a percentage must lie between 0% and 100%, got {value!r}")
            return ratio
        if bare is None:
            raise ValueError(f"expected a percentage such as '95%', got {_shown(value)}")
        ratio = float(bare.group(1))
        shown = bare.group(1).strip()
        if ratio <= 1 and not _FRACTION.match(value):
            raise ValueError(f"write the fraction as 0.x (or a percentage), got {_shown(value)}")
    else:
        raise ValueError(f"expected a percentage such as '95%', got {type(value).__name__}")
    if ratio < 0:
        raise ValueError("a percentage cannot be negative")
    if ratio > 1:
        raise ValueError(
            f"a bare number is a fraction of 1: write {shown}% or {_g(ratio / 100)}"
            if ratio <= 100
            else f"a percentage must lie between 0% and 100%, got {shown}"
        )
    return ratio


def format_duration(seconds: float) -> str:
    """Render seconds the way the policy file writes them (``5 min``, ``400 ms``)."""
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= size and (seconds / size) == round(seconds / size, 3):
            return f"{seconds / size:g} {unit}"
    return f"{seconds * 1000:g} ms"


# ----------------------------------------------------------------------------- pydantic types

#: validation context key the policy loader sets: the values were written in a policy file, so
#: durations need their units. Models built in Python (defaults, tests) hold seconds as floats.
WRITTEN = "written_units"


def _written(info: ValidationInfo) -> bool:
    context = info.context
    return isinstance(context, dict) and bool(context.get(WRITTEN))


def _python_number(value: Any, info: ValidationInfo) -> bool:
    return not _written(info) and isinstance(value, int | float) and not isinstance(value, bool)


def _v_bytes(value: Any, info: ValidationInfo) -> int:
    if _python_number(value, info):
        return parse_bytes(round(_finite(value, "size")))
    return parse_bytes(value)


def _v_duration(value: Any, info: ValidationInfo) -> float:
    if _python_number(value, info):
        return parse_seconds(value)
    return parse_duration(value)


def _v_build_duration(value: Any, info: ValidationInfo) -> float:
    if _python_number(value, info):
        return parse_seconds(value)
    return parse_duration(value, hint=("s", "min"))


def _v_window(value: Any, info: ValidationInfo) -> float:
    if _python_number(value, info):
        return parse_seconds(value)
    return parse_window(value)


_DURATION_TEXT = "ms, s, min, h, d or w"

ByteSize = Annotated[
    int,
    BeforeValidator(_v_bytes),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": BYTES.pattern},
            ],
            "description": f"a size; {UNIT_RULE}; a bare whole number is bytes",
        }
    ),
]


def _duration_schema(description: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"type": "string", "pattern": DURATION.pattern, "description": description}
    )


Duration = Annotated[
    float,
    BeforeValidator(_v_duration),
    _duration_schema(f"a duration with a unit ({_DURATION_TEXT}): '500 ms', '1.5 s', '7d'"),
]

BuildDuration = Annotated[
    float,
    BeforeValidator(_v_build_duration),
    _duration_schema(f"a duration with a unit ({_DURATION_TEXT}): '90 s', '5 min'"),
]

Window = Annotated[
    float,
    BeforeValidator(_v_window),
    _duration_schema(f"a window with a unit ({_DURATION_TEXT}) within 1d and 90d: '30d'"),
]

Seconds = Annotated[
    float,
    BeforeValidator(parse_seconds),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": DURATION.pattern},
            ],
            "description": "seconds (83.2), or a duration with a unit ('1.5 min')",
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
                {"type": "string", "pattern": PERCENT.pattern},
                {"type": "string", "pattern": FRACTION_PATTERN},
            ],
            "description": "a percentage ('99.8%') or a fraction of 1 (0.998)",
        }
    ),
]
