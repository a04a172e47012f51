"""Hostile policy files (issue 12): every one is a ``PolicyError`` (exit 2) naming the key and
line — never ``OverflowError``, ``RecursionError`` or a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slo_gate.config.loader import load_policy, parse_policy
from slo_gate.config.units import parse_bytes, parse_duration, parse_ratio
from slo_gate.errors import ExitCode, PolicyError

LAUGHS = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bundles:\n  per_widget: {critical: .inf}\n", "p.yml:2: bundles.per_widget.critical: inf"),
        (
            "bundles:\n  total:\n    critical: " + "9" * 400 + "\n",
            "p.yml:3: bundles.total.critical",
        ),
        ("bundles:\n  per_widget: {critical: 2000 GB}\n", "at most 1 TB"),
        ("bundles:\n  per_widget: {critical: 1.0e+400}\n", "bundles.per_widget.critical: inf"),
        ("budget:\n  window: 5000d\n", "at most 10 years"),
        ("budget:\n  min_events: .inf\n", "p.yml:2: budget.min_events: inf is not a finite"),
        ("budget:\n  min_events: 1e400\n", "budget.min_events"),
        ("server:\n  availability: {warning: .nan}\n", "server.availability.warning: nan"),
        ("build_time:\n  from: {seconds: .inf}\n", "build_time.from.seconds: inf"),
        ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)), "nested more than 32"),
        ("a: " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("a: &a [*a]\n", "p.yml:1: a.0 is a recursive alias"),
        ("a: &a {b: *a}\n", "recursive alias"),
        (LAUGHS, "more than 100,000 values"),
    ],
)
def test_hostile_policies_are_policy_errors(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yml")
    assert caught.value.exit_code == ExitCode.USAGE
    assert expected in caught.value.render()


def test_units_refuse_what_does_not_fit_a_float() -> None:
    for parse in (parse_bytes, parse_duration, parse_ratio):
        for value in (10**400, float("inf"), float("nan"), "9" * 400):
            with pytest.raises(ValueError):
                parse(value)
    assert parse_bytes(10**12) == 10**12
    assert parse_duration("3650 d") == 3650 * 86400.0


def test_a_policy_that_is_a_special_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.yml"
    os.mkfifo(fifo)
    with pytest.raises(PolicyError):
        load_policy(fifo, tmp_path)
    with pytest.raises(PolicyError):
        load_policy(Path("/dev/zero"), tmp_path)
    big = tmp_path / "big.yml"
    big.write_text("# " + "x" * (2 * 1024 * 1024) + "\n", "utf-8")
    with pytest.raises(PolicyError, match="larger than the limit"):
        load_policy(big, tmp_path)


def test_an_unknown_key_with_a_bracket_is_a_policy_error() -> None:
    """Found by the fuzz suite: the key 'a:[a' left no key path, and naming it raised
    IndexError instead of a policy error."""
    with pytest.raises(PolicyError) as caught:
        parse_policy("a:[a:", "p.yml")
    assert caught.value.render().startswith("error: p.yml is not a valid slo-gate policy")
