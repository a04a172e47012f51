"""The schema files are what the models generate: the committed policy schema
(schema/policy.schema.json) and the copies `slo-gate schema policy|verdict` prints
(slo_gate/data/). The policy schema describes every property and is ready for editors,
SchemaStore and pre-commit. Regenerate the files with
``SLO_GATE_REGEN_GOLDEN=1 pytest tests/test_schema_file.py``."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
import yaml

from slo_gate.cli import main
from slo_gate.commands.schema import shipped_path
from slo_gate.config.schema import POLICY_SCHEMA_ID, policy_schema, schema_text
from tests.golden import check_golden

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "schema" / "policy.schema.json"


def command_output(which: str) -> str:
    out = io.StringIO()
    code = main(
        ["schema", which],
        env={},
        out=out,
        err=io.StringIO(),
        clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert code == 0
    return out.getvalue()


SCHEMAS: list[Literal["policy", "verdict"]] = ["policy", "verdict"]


@pytest.mark.parametrize("which", SCHEMAS)
def test_the_shipped_schema_is_generated(which: Literal["policy", "verdict"]) -> None:
    check_golden(shipped_path(which), schema_text(which))


def test_the_committed_policy_schema_is_what_the_model_generates() -> None:
    check_golden(COMMITTED, schema_text("policy"))


@pytest.mark.parametrize("which", SCHEMAS)
def test_the_command_prints_the_shipped_schema(which: Literal["policy", "verdict"]) -> None:
    assert command_output(which) == shipped_path(which).read_text(encoding="utf-8")
    assert json.loads(command_output(which))["$schema"].startswith("https://json-schema.org/")


def properties(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every (path, subschema) under a ``properties`` keyword, anywhere in the schema."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            found.append((f"{path}/{name}", sub))
        for key, value in node.items():
            found.extend(properties(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(properties(value, f"{path}/{i}"))
    return found


def test_every_property_has_a_description() -> None:
    schema = policy_schema()
    props = properties(schema)
    assert len(props) >= 80
    missing = [path for path, sub in props if not str(sub.get("description", "")).strip()]
    assert missing == []


def test_the_description_check_sees_a_missing_one() -> None:
    schema = policy_schema()
    del schema["$defs"]["BudgetPolicy"]["properties"]["window"]["description"]
    missing = [p for p, sub in properties(schema) if not sub.get("description")]
    assert missing == ["/$defs/BudgetPolicy/window"]


def test_schema_store_ready() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert schema["$id"] == POLICY_SCHEMA_ID
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["description"]
    jsonschema.Draft202012Validator.check_schema(schema)
    # The $id is where the file is served from: this repository's main branch.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    repo = re.search(r'Repository = "https://github\.com/([^"]+)"', pyproject)
    assert repo, "pyproject.toml [project.urls] Repository"
    assert (
        f"https://raw.githubusercontent.com/{repo[1]}/main/schema/policy.schema.json"
    ) == POLICY_SCHEMA_ID


def test_the_example_policies_validate_against_the_committed_schema() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for path in (ROOT / "examples" / "slo-gate.yml", ROOT / "docs" / "policy-example.yml"):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_readme_shows_the_yaml_language_server_line() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"# yaml-language-server: $schema={POLICY_SCHEMA_ID}" in readme


def test_pre_commit_hook_validates_the_policy_file() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h["id"] == "slo-gate-validate"]
    assert hook["entry"] == "slo-gate validate"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search(".github/slo-gate.yml") and files.search(".github/slo-gate.yaml")
    assert not files.search("docs/.github/slo-gate.yml")
    assert not files.search(".github/slo-gate.yml.bak")
    assert not files.search(".github/workflows/slo-gate.yml")
