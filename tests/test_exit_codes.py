"""Exit codes as documented: 3 for a bug (one top-level handler), 4 only when told to fail."""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import pytest

from slo_gate import __version__, cli
from slo_gate.commands import inputs
from slo_gate.github.client import ClientSettings, Connection, GitHubClient, make_client
from slo_gate.github.shared import SharedClient
from slo_gate.runenv import RunEnv


def _main(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        argv, env=env, out=out, err=err, clock=lambda: datetime(2026, 11, 1, tzinfo=UTC)
    )
    return code, out.getvalue(), err.getvalue()


def _explode(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: cli.Clock) -> int:
    raise RuntimeError("index out of range\n::set-output name=x::y")


@pytest.fixture
def broken_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.COMMANDS["validate"], "run", _explode)


@pytest.mark.usefixtures("broken_validate")
def test_a_bug_is_exit_3_with_the_version_and_no_traceback() -> None:
    code, out, err = _main(["validate"], {})
    assert code == 3
    assert f"this is a bug in slo-gate {__version__}: RuntimeError: index out of range" in err
    assert "--debug" in err
    assert "Traceback" not in err + out
    assert "::error" not in out  # not inside GitHub Actions


@pytest.mark.usefixtures("broken_validate")
def test_debug_prints_the_traceback() -> None:
    code, _, err = _main(["--debug", "validate"], {})
    assert code == 3
    assert "Traceback (most recent call last)" in err
    assert "_explode" in err


@pytest.mark.usefixtures("broken_validate")
def test_inside_actions_a_bug_is_an_escaped_error_command() -> None:
    code, out, _ = _main(["validate"], {"GITHUB_ACTIONS": "true"})
    assert code == 3
    lines = out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::error title=slo-gate::this is a bug in slo-gate")
    assert "range ::set-output" in lines[0]  # one line: it cannot start a command of its own


@pytest.mark.usefixtures("broken_validate")
def test_inside_actions_stderr_and_the_traceback_form_no_command() -> None:
    code, _, err = _main(["--debug", "validate"], {"GITHUB_ACTIONS": "true"})
    assert code == 3
    lines = err.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].removeprefix("::stop-commands::")
    end = lines.index(f"::{token}::")
    assert "Traceback (most recent call last)" in "\n".join(lines[start:end])
    outside = lines[:start] + lines[end + 1 :]
    assert not [line for line in outside if line.startswith("::")], outside


# ----------------------------------------------------------------------------- GitHub unreachable

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: the connection is refused at once


def _fast(conn: Connection) -> GitHubClient:
    return make_client(conn, settings=ClientSettings(timeout_s=2, retries=0))


def _schedule_env(tmp: Path, **action_inputs: str) -> dict[str, str]:
    (tmp / ".github").mkdir(exist_ok=True)
    (tmp / ".github" / "slo-gate.yml").write_text(
        "version: 1\nci: {workflows: [ci.yml]}\nhistory: {store: github-branch}\n"
    )
    event = tmp / "event.json"
    event.write_text(json.dumps({"schedule": "0 6 * * *"}))
    (tmp / "output").write_text("")
    (tmp / "summary.md").write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": UNREACHABLE,
        "GITHUB_REPOSITORY": "acme/widgets",
        "GITHUB_EVENT_NAME": "schedule",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_WORKSPACE": str(tmp),
        "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "INPUT_GITHUB-TOKEN": "ghs_token",
    }
    env.update({f"INPUT_{k.upper()}": v for k, v in action_inputs.items()})
    return env


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "SharedClient", lambda conn, _factory: SharedClient(conn, _fast))


@pytest.mark.usefixtures("fast_client")
def test_unreachable_api_on_a_schedule_warns_without_a_traceback(tmp_path: Path) -> None:
    code, out, err = _main(["action"], _schedule_env(tmp_path, **{"fail-on-error": "false"}))
    assert "Traceback" not in out + err
    assert code == 0
    assert "::warning title=slo-gate::publishing failed: the GitHub API could not be reached" in out
    assert "github-unavailable" in out  # the history and CI reads are named problems


@pytest.mark.usefixtures("fast_client")
def test_unreachable_api_is_exit_4_when_the_input_says_to_fail(tmp_path: Path) -> None:
    code, out, err = _main(["action"], _schedule_env(tmp_path))
    assert "Traceback" not in out + err
    assert code == 4
    assert "::error title=slo-gate::the GitHub API could not be reached" in out


@pytest.mark.usefixtures("fast_client")
@pytest.mark.parametrize(("on_api_error", "expected"), [("fail", 4), ("warn", 0)])
def test_check_exits_4_only_when_the_policy_says_to_fail_on_github(
    tmp_path: Path, on_api_error: str, expected: int
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(f"ci: {{workflows: [ci.yml]}}\nhistory: {{on_api_error: {on_api_error}}}\n")
    env = {"GITHUB_TOKEN": "ghs_token", "GITHUB_API_URL": UNREACHABLE}
    code, out, err = _main(
        ["check", "--workspace", str(tmp_path), "--config", str(policy), "--repo", "acme/widgets",
         "--no-record"],
        env,
    )  # fmt: skip
    assert code == expected
    assert "github-unavailable" in out
    assert "Traceback" not in out + err
