"""Units that cannot be misread: each trap of a first policy is refused with its suggestion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from slo_gate.config.loader import parse_policy
from slo_gate.config.schema import policy_schema
from slo_gate.config.units import BYTES, DURATION, PERCENT, parse_bytes, parse_duration
from slo_gate.errors import PolicyError


def _refusal(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yml")
    return caught.value.render()


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        (
            "server: {latency: {remote: {p95: {warning: 1200, critical: 1500}}}}",
            "write 1500 ms or 1.5 s",
        ),
        ("server: {latency: {local: {p95: {critical: '500'}}}}", "write 500 ms or 0.5 s"),
        ("server: {availability: {warning: 99.8}}", "write 99.8% or 0.998"),
        ("ci: {pass_rate: {critical: 95}}", "write 95% or 0.95"),
        ("budget: {window: 30}", "write 30d"),
        ("build_time: {p95: {critical: 300}}", "write 300 s or 5 min"),
        ("budget: {window: 5m}", "minutes are 'min'"),
        ("budget: {window: 5 min}", "within 1d and 90d"),
        ("budget: {window: 120d}", "within 1d and 90d"),
        ("bundles: {per_widget: {critical: 250.5}}", "write 250 or 251"),
        ("bundles: {per_widget: {critical: '1,000 KB'}}", "write '1000 KB'"),
        ("bundles: {per_widget: {critical: 1,000 KB}}", "write the number without commas"),
    ],
)
def test_unit_traps_are_refused_with_a_suggestion(text: str, suggestion: str) -> None:
    assert suggestion in _refusal(text)


def test_duplicate_keys_name_both_lines() -> None:
    shown = _refusal("bundles:\n  root: dist\n  compression: gzip\n  root: build\n")
    assert "bundles.root is set twice (lines 2 and 4)" in shown


def test_written_units_are_read() -> None:
    policy = parse_policy(
        "budget: {window: 4w}\n"
        "bundles: {per_widget: {warning: 1 MIB, critical: 2 mib}}\n"
        "build_time: {p95: {warning: 4 MIN, critical: 5 min}}\n"
        "server: {availability: {warning: 0.998, critical: '99.5%'}}\n",
        "p.yml",
    ).policy
    assert policy.budget.window == 28 * 86400
    assert policy.bundles.per_widget.warning == 1_048_576
    assert policy.build_time.p95.warning == 240
    assert policy.server.availability.critical == pytest.approx(0.995)


SAMPLES = [
    "250 KB", "1 MIB", "1mib", "250", "250.5", "1,000 KB", "5 MIN", "5 min", "400ms", "1.5 s",
    "30d", "2 W", "5m", "99.8%", "99.8", "0.998", " 7 d ", "1.5", "KB", "", "1e3 KB", ".5 s",
]  # fmt: skip


@pytest.mark.parametrize("sample", SAMPLES)
def test_schema_patterns_and_parser_agree(sample: str) -> None:
    """The schema's pattern matches a string exactly when the parser accepts it."""
    for grammar, parse in ((BYTES, parse_bytes), (DURATION, parse_duration)):
        try:
            parse(sample)
            accepted = True
        except ValueError:
            accepted = False
        assert bool(re.search(grammar.pattern, sample)) == accepted, (grammar, sample)
    assert bool(re.search(PERCENT.pattern, sample)) == sample.strip().endswith("%")


def test_the_schema_uses_the_grammars_patterns() -> None:
    text = json.dumps(policy_schema())
    for grammar in (BYTES, DURATION, PERCENT):
        assert json.dumps(grammar.pattern) in text


def test_every_policy_in_the_repository_loads() -> None:
    root = Path(__file__).resolve().parents[2]
    files = [root / "examples" / "slo-gate.yml", root / "docs" / "policy-example.yml"]
    for path in files:
        parse_policy(path.read_text(), str(path))
    readme = (root / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    policies = [b for b in blocks if b.lstrip().startswith(("version:", "# yaml-language"))]
    assert policies
    for block in policies:
        parse_policy(block, "README.md")
