"""Help and arguments: descriptions, examples and exit codes; '-' is stdout; ranges checked."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slo_gate.cli import COMMANDS, main

PASSING = (
    '<?xml version="1.0"?>\n<testsuite name="t" tests="1">'
    '<testcase classname="tests.test_a" name="test_one" file="tests/test_a.py"/></testsuite>\n'
)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            list(argv), env={}, out=out, err=err, clock=lambda: datetime(2026, 11, 1, tzinfo=UTC)
        )
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_subcommand_has_a_description_an_example_and_exit_codes(command: str) -> None:
    code, out, _ = _run(command, "--help")
    assert code == 0
    _usage, _, rest = out.partition("\n\n")
    assert rest.split("\n\n")[0].strip(), "a description after the usage line"
    assert "example" in out
    assert "exit codes:" in out
    assert "\n  0  " in out and "\n  2  " in out


def _reports(tmp: Path) -> Path:
    (tmp / "r.xml").write_text(PASSING)
    return tmp


def test_json_dash_writes_the_verdict_to_stdout_alone(tmp_path: Path) -> None:
    ws = _reports(tmp_path)
    code, out, _ = _run(
        "check", "--workspace", str(ws), "--junit", "r.xml", "--no-record", "--json", "-"
    )
    assert code == 0
    verdict = json.loads(out)
    assert verdict["decision"] == "pass"
    assert not (Path.cwd() / "-").exists()
    # the only budget (the visual pass rate) has no visual test to count yet
    assert verdict["release"]["reason"] == "no error budgets configured"


def test_the_release_line_without_budgets() -> None:
    from slo_gate.config.policy import BudgetPolicy
    from slo_gate.engine.release import decide_release

    assert decide_release([], BudgetPolicy()).release.reason == "no error budgets configured"


def test_markdown_dash_and_json_dash_together_are_refused(tmp_path: Path) -> None:
    ws = _reports(tmp_path)
    code, _, err = _run(
        "check", "--workspace", str(ws), "--junit", "r.xml", "--json", "-", "--markdown", "-"
    )
    assert code == 2
    assert "standard output" in err


@pytest.mark.parametrize("workers", ["0", "-1", "100000", "two"])
def test_workers_is_range_checked(workers: str) -> None:
    code, _, err = _run("check", "--workers", workers)
    assert code == 2
    assert "--workers" in err


def test_an_unknown_baseline_is_a_named_problem(tmp_path: Path) -> None:
    ws = _reports(tmp_path)
    code, out, _ = _run(
        "check", "--workspace", str(ws), "--junit", "r.xml", "--no-record",
        "--baseline", "deadbeef", "--json", "-",
    )  # fmt: skip
    assert code == 0
    problems = json.loads(out)["problems"]
    assert [p["code"] for p in problems] == ["baseline-not-found"]
    assert "deadbeef" in problems[0]["message"]
