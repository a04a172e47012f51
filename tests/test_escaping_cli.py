"""``slo-gate check`` end to end (issue 11 item 6, issue 12 item 4): outside GitHub Actions the
report is printed as is (ids can be pasted); inside, it is wrapped in stop-commands so nothing
in it is obeyed; errors on stderr never form a workflow command."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from slo_gate.cli import main
from tests.hostile import runner_commands

NOW = datetime(2026, 11, 1, tzinfo=UTC)
JUNIT = """<?xml version="1.0"?>
<testsuite name="pytest" tests="2">
  <testcase classname="tests.test_cart.TestCart" name="test_total[2]" file="tests/test_cart.py">
    <failure message="assert 3 == 4">boom</failure>
  </testcase>
  <testcase classname="x" name="&#10;::error::forged&#10;##[warning]legacy">
    <failure message="&#10;::add-mask::secret">m</failure>
  </testcase>
</testsuite>
"""


def _check(ws: Path, env: dict[str, str]) -> tuple[int, str, str]:
    (ws / "junit.xml").write_text(JUNIT, "utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "--workspace", str(ws), "--junit", "junit.xml", "--no-record"]
    code = main([*argv, "--json", str(ws / "v.json")], env=env, out=out, err=err, clock=lambda: NOW)
    return code, out.getvalue(), err.getvalue()


def test_outside_actions_the_report_is_printed_as_is(tmp_path: Path) -> None:
    code, out, err = _check(tmp_path, {})
    assert code == 1 and err == ""
    assert "\u200b" not in out and "stop-commands" not in out
    keys = [f["key"] for f in json.loads((tmp_path / "v.json").read_text())["tests"]["failures"]]
    first = next(k for k in keys if "test_total" in k)
    assert first in out  # as the verdict has it, character for character
    assert "::error::forged" in out  # shown, on one line, not a line of its own
    assert all(not line.startswith("::") for line in out.splitlines())


def test_inside_actions_the_report_is_wrapped_in_stop_commands(tmp_path: Path) -> None:
    code, out, err = _check(tmp_path, {"GITHUB_ACTIONS": "true"})
    assert code == 1 and err == ""
    lines = out.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[-1] == f"::{token}::"
    assert runner_commands(out) == ["stop-commands", "resume"]
    _, plain, _ = _check(tmp_path, {})
    assert "\n".join(lines[1:-1]) + "\n" == plain  # the same characters as outside


def test_a_policy_key_with_a_newline_and_a_command_stays_on_its_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text('version: 1\n"x\\n::error::pwned": 1\n"##[error]y": 2\n', "utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", "--workspace", str(tmp_path), "--config", str(policy)]
    code = main(argv, env={}, out=out, err=err, clock=lambda: NOW)
    assert code == 2
    text = err.getvalue()
    # named, on the error's own line, so the user can find the key and the runner obeys nothing
    assert "unknown key 'x ::error::pwned'" in text
    assert runner_commands(text) == []
    assert all(line.startswith(("error: ", "  ")) for line in text.splitlines())
