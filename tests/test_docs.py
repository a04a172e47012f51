"""The documents people read first stay true: the example comment is what the command writes,
and the README shows it whole."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from slo_gate.cli import main
from slo_gate.render.markdown import render_markdown
from slo_gate.verdict import Verdict
from tests.golden import check_golden

ROOT = Path(__file__).resolve().parents[1]


def test_example_comment_is_what_the_command_writes(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    out = tmp_path / "verdict.json"
    code = main(
        [
            "check",
            "--workspace",
            str(tmp_path),
            "--config",
            "examples/slo-gate.yml",
            "--now",
            "2026-11-01T00:00:00Z",
            "--no-record",
            "--baseline",
            "main",
            "--commit",
            "4f1c2a9e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
            "--branch",
            "feature/gallery",
            "--json",
            str(out),
        ],
        env={},
        out=io.StringIO(),
        err=io.StringIO(),
        clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert code == 0
    # the PR comment is the verdict's Markdown (the job summary and --markdown add the trends)
    comment = render_markdown(Verdict.model_validate_json(out.read_text()))
    check_golden(ROOT / "docs" / "example-comment.md", comment)


def test_readme_shows_the_example_comment_whole() -> None:
    readme = (ROOT / "README.md").read_text()
    comment = (ROOT / "docs" / "example-comment.md").read_text()
    assert "````markdown\n" + comment + "````" in readme


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^python3 -m venv .*$", readme, re.M)
    assert len(commands) >= 2
    assert "slo-gate check --config examples/slo-gate.yml" in commands[0]
    assert commands[1].endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet -e '.[test]'" in ci and "\npytest\n" in ci
