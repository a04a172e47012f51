"""Numbers as people read them: exact bytes beside rounded ones, counts with their noun."""

from __future__ import annotations

import pytest

from slo_gate.formatting import counted, fmt_bytes, fmt_delta, fmt_value, is_are


@pytest.mark.parametrize(
    ("n", "noun", "plural", "text"),
    [
        (0, "file", None, "0 files"),
        (1, "file", None, "1 file"),
        (2, "unchanged file", None, "2 unchanged files"),
        (1_234, "run", None, "1,234 runs"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_counted(n: int, noun: str, plural: str | None, text: str) -> None:
    assert counted(n, noun, plural) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (826, "826 B"),  # below 1 KB the figure is exact: not "826 B (826 B)"
        (999, "999 B"),
        (1_000, "1.0 KB (1,000 B)"),
        (245_123, "245.1 KB (245,123 B)"),
        (1_009_230, "1.0 MB (1,009,230 B)"),
    ],
)
def test_bytes_show_the_exact_count_once(n: int, text: str) -> None:
    assert fmt_bytes(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (None, "–"),
        (0, "±0 B"),
        (32, "+32 B"),
        (-600, "−600 B"),
        (2_885, "+2.9 KB (+2,885 B)"),
        (-1_156, "−1.2 KB (−1,156 B)"),
    ],
)
def test_deltas_show_the_exact_count_once(n: int | None, text: str) -> None:
    assert fmt_delta(n) == text


@pytest.mark.parametrize(
    ("value", "text"), [(0.0, "0 failing tests"), (1.0, "1 failing test"), (2.0, "2 failing tests")]
)
def test_failing_tests_agree_in_number(value: float, text: str) -> None:
    assert fmt_value(value, "failing tests") == text


@pytest.mark.parametrize(("n", "verb"), [(0, "are"), (1, "is"), (2, "are")])
def test_is_are_agrees_with_counted(n: int, verb: str) -> None:
    assert is_are(n) == verb
