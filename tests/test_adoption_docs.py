"""The README's first workflow and every workflow in docs/workflows run as written."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / "docs" / "workflows").glob("*.yml"))


def _readme_workflow() -> dict[str, Any]:
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```yaml\n(name: slo-gate\n.*?)```", readme, re.S)
    assert first is not None
    assert readme.index(first.group(0)) < readme.index("## Two commands")  # the first screen
    data: dict[str, Any] = yaml.safe_load(first.group(1))
    return data


def _steps(workflow: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [job.get("steps", []) for job in workflow["jobs"].values()]


def _check_steps(steps: list[dict[str, Any]]) -> None:
    node = False
    built = False
    for step in steps:
        uses = str(step.get("uses", ""))
        run = str(step.get("run", ""))
        node = node or uses.startswith("actions/setup-node@")
        if re.search(r"\b(pnpm|npm|npx|yarn)\b", run):
            assert node, f"{run!r} runs before actions/setup-node"
        built = built or "build" in run
        if uses.startswith("slo-gate/slo-gate") and step.get("with", {}).get("mode") != "publish":
            assert built, "the gate runs before the build"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_docs_workflows_set_up_node_and_build_before_the_gate(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    for steps in _steps(workflow):
        if any(str(s.get("uses", "")).startswith("slo-gate/slo-gate") for s in steps):
            _check_steps(steps)


def test_the_readme_workflow_builds_writes_junit_and_runs_the_gate() -> None:
    workflow = _readme_workflow()
    [steps] = _steps(workflow)
    _check_steps(steps)
    runs = " ".join(str(s.get("run", "")) for s in steps)
    gate = next(s for s in steps if str(s.get("uses", "")).startswith("slo-gate/slo-gate@"))
    junit_dir = gate["with"]["junit"].rsplit("/", 1)[0]
    assert "--reporter=junit" in runs and junit_dir in runs  # the tests write what junit: reads
    assert str(steps[0]["uses"]).startswith("actions/checkout@")


def _strings_outside_docstrings(tree: ast.AST) -> list[tuple[int, str]]:
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_user_facing_text_names_no_document_the_user_lacks() -> None:
    """Docstrings may cite the design; strings that reach users may not name it."""
    named = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "slo_gate").rglob("*.py"))
        for line, text in _strings_outside_docstrings(ast.parse(path.read_text()))
        if re.search(r"(SLOS|DESIGN)\.md", text)
    ]
    assert named == []
