"""The run environment: read once in ``cli.main``, and the only reader of ``GITHUB_*``."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

import pytest

from slo_gate.cli import main
from slo_gate.errors import InputError
from slo_gate.runenv import RunEnv

PACKAGE = Path(__file__).resolve().parents[1] / "slo_gate"
ENV_KEY = re.compile(r"(GITHUB|RUNNER)_[A-Z0-9_]*")
#: runenv.py reads the variables; cli.py only hands the environment in
ALLOWED = {"runenv.py"}


def _env_keys(path: Path) -> list[tuple[int, str]]:
    """String constants in code that are exactly an environment variable name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr):
            continue
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and ENV_KEY.fullmatch(text):
            found.append((node.lineno, text))
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append((node.lineno, "os.environ"))
        if isinstance(node, ast.Name) and node.id == "getenv":
            found.append((node.lineno, "getenv"))
        if isinstance(node, ast.Attribute) and node.attr == "getenv":
            found.append((node.lineno, "os.getenv"))
    return sorted(found)


def test_only_runenv_reads_github_variables() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): keys
        for path in sorted(PACKAGE.rglob("*.py"))
        if str(path.relative_to(PACKAGE)) not in ALLOWED
        and (keys := _env_keys(path))
        and not (path.name == "cli.py" and {k for _, k in keys} == {"os.environ"})
    }
    assert offenders == {}


def test_the_scan_finds_an_env_key(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('import os\nx = env.get("GITHUB_SHA")\ny = os.environ\n', encoding="utf-8")
    assert _env_keys(sample) == [(2, "GITHUB_SHA"), (3, "os.environ")]


def test_from_environ_reads_every_field(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}), encoding="utf-8")
    run = RunEnv.from_environ(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_SHA": "a" * 40,
            "GITHUB_REF": "refs/pull/7/merge",
            "GITHUB_HEAD_REF": "feature",
            "GITHUB_BASE_REF": "main",
            "GITHUB_RUN_ID": "99",
            "GITHUB_RUN_ATTEMPT": "3",
            "GITHUB_REPOSITORY": "acme/widgets",
            "GITHUB_TOKEN": "ghs_secret",
            "GITHUB_ACTOR": "octo",
            "GITHUB_WORKSPACE": "/ws",
            "GITHUB_OUTPUT": "/out",
            "GITHUB_STEP_SUMMARY": "/summary",
            "INPUT_MODE": "pr",
            "HOME": "/root",
        }
    )
    assert run.in_actions and run.event == {"pull_request": {"number": 7}}
    assert (run.head_ref, run.base_ref, run.run_number, run.attempt_number) == (
        "feature",
        "main",
        99,
        3,
    )
    assert (run.output_file, run.summary_file, run.workspace) == ("/out", "/summary", "/ws")
    assert run.inputs == {"INPUT_MODE": "pr"}
    assert "ghs_secret" not in repr(run)


def test_the_event_file_is_read_once_in_main(tmp_path: Path) -> None:
    """A broken payload is a usage error at the edge, before any command runs."""
    broken = tmp_path / "event.json"
    broken.write_text("{oops", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(broken)}
    err = io.StringIO()
    assert main(["schema", "verdict"], env=env, out=io.StringIO(), err=err) == 2
    assert str(broken) in err.getvalue()
    with pytest.raises(InputError):
        RunEnv.from_environ(env)
    assert RunEnv.from_environ({"GITHUB_EVENT_PATH": str(broken)}).event == {}
