"""Action inputs and the GitHub context: env mapping → model, and action.yml/README agreement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from slo_gate.config.inputs import (
    ActionInputs,
    input_defaults,
    input_descriptions,
    input_names,
    inputs_markdown_table,
    is_fork_pull_request,
    pull_request_number,
    read_input,
    target_sha,
    token_is_read_only,
)
from slo_gate.errors import InputError
from slo_gate.gha import verdict_outputs
from slo_gate.runenv import RunEnv, load_event_file
from slo_gate.slos import SLO_IDS

ROOT = Path(__file__).resolve().parents[2]
HEAD = "a" * 40
MERGE = "b" * 40
RUN_HEAD = "c" * 40


def action_yml() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def readme_table() -> tuple[Path, str]:
    """The input table of README.md, or of docs/action-inputs.md until the README has it."""
    for path in (ROOT / "README.md", ROOT / "docs" / "action-inputs.md"):
        if path.exists():
            text = path.read_text(encoding="utf-8")
            if "<!-- inputs:start -->" in text:
                inner = text.split("<!-- inputs:start -->", 1)[1].split("<!-- inputs:end -->", 1)
                assert len(inner) == 2, f"{path}: <!-- inputs:end --> is missing"
                return path, inner[0].strip()
    raise AssertionError("neither README.md nor docs/action-inputs.md has <!-- inputs:start -->")


# ----------------------------------------------------------------------------- agreement


def test_action_yml_inputs_agree_with_the_model() -> None:
    inputs = action_yml()["inputs"]
    assert list(inputs) == input_names()
    for name, spec in inputs.items():
        assert spec["description"] == input_descriptions()[name], name
        assert str(spec["default"]) == input_defaults()[name], name
        assert spec.get("required", False) is False, name
    assert inputs["github-token"]["default"] == "${{ github.token }}"


def test_readme_table_agrees_with_the_model() -> None:
    path, table = readme_table()
    assert table == inputs_markdown_table(), f"regenerate the table in {path}"


def test_action_yml_outputs_are_the_ones_slo_gate_sets() -> None:
    declared = set(action_yml()["outputs"])
    assert {"decision", "release-state", "rollback", "verdict-json", "summary-markdown"} <= declared
    from datetime import UTC, datetime

    from slo_gate.verdict import Verdict

    verdict = Verdict(decision="pass", evaluated_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert set(verdict_outputs(verdict, "")) == declared
    assert {f"slo-{i}" for i in SLO_IDS} <= declared


def test_action_yml_is_a_docker_action_with_branding() -> None:
    data = action_yml()
    assert data["runs"] == {"using": "docker", "image": "Dockerfile", "args": ["action"]}
    assert data["branding"]["icon"] and data["branding"]["color"]


# ----------------------------------------------------------------------------- reading inputs


def test_defaults_when_nothing_is_set() -> None:
    inputs = ActionInputs.from_inputs({})
    assert inputs.mode == "pr"
    assert inputs.check_name == "SLO gate"
    assert inputs.comment == "always"
    assert inputs.fail_on_error is True
    assert inputs.token == ""


def test_docker_style_hyphenated_names_win_over_underscores() -> None:
    env = {
        "INPUT_GITHUB-TOKEN": " ghs_secret ",
        "INPUT_GITHUB_TOKEN": "other",
        "INPUT_CHECK-NAME": "SLO gate (web)",
        "INPUT_COMMENT-KEY": "web/ubuntu",
        "INPUT_FAIL_ON_ERROR": "FALSE",
        "INPUT_JUNIT": "reports/a/*.xml\n\n  reports/b.xml  \n",
        "INPUT_MODE": "release",
        "INPUT_JSON": "out/verdict.json",
    }
    inputs = ActionInputs.from_inputs(env)
    assert inputs.token == "ghs_secret"
    assert inputs.check_name == "SLO gate (web)"
    assert inputs.comment_key == "web/ubuntu"
    assert inputs.fail_on_error is False
    assert inputs.junit == ("reports/a/*.xml", "reports/b.xml")
    assert inputs.mode == "release"
    assert inputs.json_path == "out/verdict.json"
    assert "ghs_secret" not in repr(inputs) and "ghs_secret" not in str(inputs)


def test_read_input() -> None:
    assert read_input({"INPUT_CHECK-NAME": " x "}, "check-name") == "x"
    assert read_input({"INPUT_CHECK_NAME": "y"}, "check-name") == "y"
    assert read_input({}, "check-name") is None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"INPUT_MODE": "deploy"}, "`mode`"),
        ({"INPUT_COMMENT": "sometimes"}, "`comment`"),
        ({"INPUT_FAIL-ON-ERROR": "yes"}, "`fail-on-error`"),
        ({"INPUT_COMMENT-KEY": "x -->"}, "`comment-key`"),
        ({"INPUT_WORKING-DIRECTORY": "../other"}, "`working-directory`"),
        ({"INPUT_WORKING-DIRECTORY": "/etc"}, "`working-directory`"),
        ({"INPUT_CHECK-NAME": ""}, "`check-name`"),
    ],
)
def test_bad_values_name_the_input_and_the_fix(env: dict[str, str], named: str) -> None:
    with pytest.raises(InputError) as caught:
        ActionInputs.from_inputs(env)
    assert named in caught.value.message
    assert caught.value.fix and "with:" in caught.value.fix


# ----------------------------------------------------------------------------- context


def pr_event(
    head_repo: str | None = "acme/widgets", base_repo: str = "acme/widgets"
) -> dict[str, Any]:
    head: dict[str, Any] = {"sha": HEAD, "ref": "feature"}
    head["repo"] = {"full_name": head_repo} if head_repo else None
    return {
        "number": 42,
        "pull_request": {
            "number": 42,
            "head": head,
            "base": {"sha": "d" * 40, "repo": {"full_name": base_repo}},
        },
    }


def test_target_sha_per_event() -> None:
    assert target_sha("pull_request", pr_event(), MERGE) == HEAD
    assert target_sha("pull_request_target", pr_event(), MERGE) == HEAD
    run = {"workflow_run": {"head_sha": RUN_HEAD}}
    assert target_sha("workflow_run", run, MERGE) == RUN_HEAD
    assert target_sha("push", {}, MERGE) == MERGE
    with pytest.raises(InputError, match="no commit SHA"):
        target_sha("pull_request", {"pull_request": {}}, MERGE)
    with pytest.raises(InputError):
        target_sha("push", {}, "not-a-sha\n::add-mask::x")


def test_fork_detection() -> None:
    assert is_fork_pull_request("pull_request", pr_event()) is False
    assert is_fork_pull_request("pull_request", pr_event("someone/widgets")) is True
    assert is_fork_pull_request("pull_request", pr_event(None)) is True  # deleted fork
    assert is_fork_pull_request("pull_request", pr_event("ACME/Widgets")) is False
    assert is_fork_pull_request("push", pr_event("someone/widgets")) is False
    assert pull_request_number("pull_request", pr_event()) == 42
    assert pull_request_number("push", pr_event()) is None


def test_read_only_token_detection() -> None:
    def run(event: str, actor: str, payload: dict[str, Any]) -> RunEnv:
        return RunEnv(event_name=event, actor=actor, event=payload)

    assert token_is_read_only(run("pull_request", "octo", pr_event("someone/widgets"))) is True
    assert token_is_read_only(run("pull_request", "octo", pr_event())) is False
    assert token_is_read_only(run("pull_request", "dependabot[bot]", pr_event())) is True
    target = run("pull_request_target", "octo", pr_event("someone/widgets"))
    assert token_is_read_only(target) is False


def test_context_from_env_and_event_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pr_event()), encoding="utf-8")
    env = {
        "GITHUB_API_URL": "https://ghe.example.com/api/v3",
        "GITHUB_SERVER_URL": "https://ghe.example.com",
        "GITHUB_REPOSITORY": "acme/widgets",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": MERGE,
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_RUN_ID": "123",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_WORKSPACE": "/github/workspace",
    }
    run = RunEnv.from_environ(env)
    assert run.api_url == "https://ghe.example.com/api/v3"
    assert run.run_url == "https://ghe.example.com/acme/widgets/actions/runs/123"
    assert run.attempt_number == 2
    assert run.event == {}  # outside Actions the payload is not read
    inside = RunEnv.from_environ(env | {"GITHUB_ACTIONS": "true"})
    assert target_sha(inside.event_name, inside.event, inside.sha) == HEAD
    assert RunEnv.from_environ({}).api_url == "https://api.github.com"


def test_event_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InputError, match=str(missing)):
        load_event_file(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "a": 1,\n  oops\n}', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{broken}:3: the event payload is not valid JSON"):
        load_event_file(broken)
    array = tmp_path / "array.json"
    array.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match="not a JSON object"):
        load_event_file(array)
