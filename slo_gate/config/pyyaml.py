"""PyYAML, imported without compiling its slowest regular expression the slow way.

At import, PyYAML's reader compiles ``Reader.NON_PRINTABLE``: a character class whose ranges
reach U+10FFFF. CPython's regex compiler fills in every code point of those ranges below U+10000
one at a time in Python, which costs about as much as the rest of ``import yaml`` put together
(about 52 M instructions, 4–6 ms of a 0.2 s start-up here, as the two floors of
``benchmarks/startup_instructions.py`` show; PyYAML's pull requests #124 and #301 describe it).
The complement of that class is a few short ranges. This module compiles the complement and puts
it in ``re``'s cache under PyYAML's pattern text, then imports yaml, whose ``re.compile`` finds
it there. Both patterns match exactly the same characters: a test checks every code point, and
another fails when a PyYAML release changes its pattern so that the cache entry is no longer
used. On a Python whose ``re`` keeps no such cache, yaml is imported as is.
"""

from __future__ import annotations

import re

#: PyYAML's ``Reader.NON_PRINTABLE`` (yaml/reader.py, PyYAML 5.1 to 6.0.x)
PYYAML_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
#: the same set of characters, as the complement of what PyYAML allows: quick to compile
NON_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


def _seed_regex_cache() -> None:
    cache = getattr(re, "_cache", None)
    if isinstance(cache, dict):
        cache[(str, PYYAML_NON_PRINTABLE, 0)] = re.compile(NON_PRINTABLE)


_seed_regex_cache()

import yaml  # noqa: E402 - after the cache holds the pattern

__all__ = ["yaml"]
