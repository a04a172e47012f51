from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from slo_gate.config.loader import load_policy, parse_policy
from slo_gate.config.policy import Policy
from slo_gate.config.schema import policy_schema
from slo_gate.errors import PolicyError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "policy-example.yml"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def _design_example() -> str:
    if not DESIGN.exists():
        pytest.skip("../shared/DESIGN.md is not beside this checkout")
    match = re.search(r"## The policy file.*?```yaml\n(.*?)```", DESIGN.read_text(), re.S)
    assert match, "DESIGN.md has no policy example"
    return match.group(1)


def test_design_example_validates() -> None:
    loaded = parse_policy(_design_example(), "DESIGN.md")
    assert loaded.policy.bundles.root == "packages/widgets/dist"
    assert loaded.policy.build_time.from_ is not None
    assert loaded.policy.build_time.from_.step == "Build widgets"


def test_checked_in_copy_matches_design() -> None:
    copy = EXAMPLE.read_text().split("\n", 1)[1]
    assert copy == _design_example()


@pytest.mark.parametrize("path", [EXAMPLE, ROOT / "examples" / "slo-gate.yml"])
def test_examples_validate_against_model_and_schema(path: Path) -> None:
    text = path.read_text()
    parse_policy(text, path.name)
    jsonschema.validate(yaml.safe_load(text), policy_schema())


def test_default_policy_is_the_slo_document() -> None:
    p = Policy()
    assert p.bundles.per_widget.warning == 240_000
    assert p.bundles.per_widget.critical == 250_000
    assert p.bundles.total.critical == 1_000_000
    assert p.bundles.compression == "gzip"
    assert p.build_time.p95.warning == 240
    assert p.build_time.p95.critical == 300
    assert p.server.availability.warning == 0.998
    assert p.server.availability.critical == 0.995
    assert p.server.latency.local.p95.critical == 0.5
    assert p.server.latency.remote.p95.critical == 1.5
    assert (p.ci.pass_rate.warning, p.ci.pass_rate.critical) == (0.97, 0.95)
    assert p.ci.pass_rate.window == 7 * 86400
    assert (p.tests.visual_pass_rate.warning, p.tests.visual_pass_rate.critical) == (0.97, 0.95)
    assert p.budget.window == 30 * 86400
    assert (p.budget.alert.consumed, p.budget.alert.within) == (0.5, 7 * 86400)
    assert (p.budget.pause, p.budget.rollback) == (0.75, 1.0)


def test_no_policy_file_means_default(tmp_path: Path) -> None:
    loaded = load_policy(None, tmp_path)
    assert loaded.path is None
    assert loaded.policy == Policy()


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nope.yml", tmp_path)


def test_empty_file_is_the_default() -> None:
    assert parse_policy("", "x.yml").policy == Policy()


def _errors(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "slo.yml")
    return info.value.details


def test_misspelt_key_gets_line_and_suggestion() -> None:
    details = _errors("version: 1\nbundles:\n  root: dist\n  per_widgte: {critical: 1 MB}\n")
    assert details == ["slo.yml:4: unknown key 'bundles.per_widgte' — did you mean 'per_widget'?"]


def test_misspelt_top_level_key() -> None:
    assert _errors("budgte:\n  pause: 70%\n") == [
        "slo.yml:1: unknown key 'budgte' — did you mean 'budget'?"
    ]


def test_unknown_key_without_close_match_lists_known_keys() -> None:
    (detail,) = _errors("release:\n  zzz: 1\n")
    assert detail.startswith("slo.yml:2: unknown key 'release.zzz' (known keys here:")
    assert "status_context" in detail


def test_bad_value_names_path_line_and_expectation() -> None:
    (detail,) = _errors("bundles:\n  per_widget:\n    warning: 240 KB\n    critical: lots\n")
    assert detail.startswith("slo.yml:4: bundles.per_widget.critical:")
    assert "expected a size such as '250 KB'" in detail


def test_several_problems_are_sorted_by_line() -> None:
    details = _errors("bundles:\n  compression: zstd\nbudget:\n  pause: 175%\n")
    assert [d.split(":")[1] for d in details] == ["2", "4"]
    assert "'gzip' or 'brotli'" in details[0]
    assert "between 0% and 100%" in details[1]


def test_widgets_needs_exactly_one_mode() -> None:
    (detail,) = _errors("bundles:\n  widgets: {html: a.html, glob: '*.js'}\n")
    assert "exactly one of html, vite_manifest or glob" in detail
    assert detail.startswith("slo.yml:2:")


def test_not_yaml() -> None:
    with pytest.raises(PolicyError, match=r"slo.yml:2: the policy file is not valid YAML"):
        parse_policy("bundles:\n  root: a: b\n", "slo.yml")


def test_not_a_mapping() -> None:
    with pytest.raises(PolicyError, match="must be a mapping"):
        parse_policy("- a\n- b\n", "slo.yml")


def test_line_of_key() -> None:
    loaded = parse_policy(EXAMPLE.read_text(), "docs/policy-example.yml")
    line = loaded.line_of("bundles", "per_widget", "critical")
    assert line is not None
    assert "per_widget" in EXAMPLE.read_text().splitlines()[line - 1]


def test_policy_schema_is_valid_json_schema() -> None:
    schema = policy_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert json.dumps(schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"bundles": {"rot": "x"}}, schema)


@pytest.mark.parametrize(
    ("text", "notes"),
    [
        (
            "bundles:\n  per_widget: {warning: 240, critical: 250 KB}\n",
            [
                "p.yml:2: bundles.per_widget.warning: 240 is 240 bytes (a size without a unit "
                "is bytes); if 240 KB was meant, write the unit"
            ],
        ),
        (
            "bundles:\n  total:\n    critical: 999\ntests:\n  huge_tree: 5\n",
            [
                "p.yml:3: bundles.total.critical: 999 is 999 bytes (a size without a unit is "
                "bytes); if 999 KB was meant, write the unit",
                "p.yml:5: tests.huge_tree: 5 is 5 bytes (a size without a unit is bytes); if 5 KB "
                "was meant, write the unit",
            ],
        ),
        ("bundles:\n  per_widget: {warning: 240000, critical: 250 KB}\n", []),  # plausible bytes
        ("bundles:\n  per_widget: {warning: 0, critical: 0}\n", []),  # zero is meant
        ("budget: {min_events: 5}\n", []),  # not a size
        ("bundles:\n  per_widget: {warning: 240 B, critical: 250 KB}\n", []),  # a unit: meant
    ],
)
def test_a_size_written_as_a_small_bare_number_gets_a_note(text: str, notes: list[str]) -> None:
    """Valid (a bare whole number is bytes), but "240" next to "250 KB" is a unit left out."""
    assert list(parse_policy(text, "p.yml").notes) == notes
