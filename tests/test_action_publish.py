"""``mode: publish`` end to end against the REST API simulated with ``responses``: a fork's
verdict (with failing tests) comes from the artifact, and the check run carries the same test
annotations a same-repository pull request gets — built from the verdict alone."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import responses

from slo_gate.cli import main
from tests.github.test_artifacts import HEAD, make_zip, run_event
from tests.github.test_publish import WIRE, FakeIssue, _check_run_callbacks, body_of

NOW = datetime(2026, 11, 1, tzinfo=UTC)
BLOB = "https://results-receiver.actions.example.net/artifact.zip"
JUNIT = """<?xml version="1.0"?>
<testsuite name="pytest" tests="3">
  <testcase classname="tests.test_cart" name="test_total" file="tests/test_cart.py" line="11">
    <failure message="assert 3 == 4">tests/test_cart.py:12: AssertionError</failure>
  </testcase>
  <testcase classname="tests.test_cart" name="test_gone" file="/ci/elsewhere/test_gone.py">
    <failure message="boom"/>
  </testcase>
  <testcase classname="tests.test_cart" name="test_ok" file="tests/test_cart.py"/>
</testsuite>
"""


def _fork_verdict(ws: Path) -> bytes:
    """What the fork's pull-request workflow uploads: ``check --json`` with failing tests."""
    (ws / "tests").mkdir()
    (ws / "tests" / "test_cart.py").write_text("\n" * 20)
    (ws / "reports").mkdir()
    (ws / "reports" / "junit.xml").write_text(JUNIT)
    files = ["--junit", "reports/junit.xml", "--json", str(ws / "verdict.json")]
    code = main(
        ["check", "--workspace", str(ws), "--no-record", *files, "--commit", HEAD],
        env={},
        out=io.StringIO(),
        err=io.StringIO(),
        clock=lambda: NOW,
    )
    assert code == 1  # failing tests fail the gate
    return (ws / "verdict.json").read_bytes()


def _event(tmp: Path) -> Path:
    path = tmp / "event.json"
    path.write_text(json.dumps(run_event(pull_requests=[{"number": 42, "head": {"sha": HEAD}}])))
    return path


def _api(rsps: responses.RequestsMock, verdict: bytes) -> None:
    rsps.add(
        responses.GET,
        f"{WIRE}/actions/runs/555/artifacts",
        json={
            "total_count": 1,
            "artifacts": [
                {"id": 9, "name": "slo-gate-verdict", "size_in_bytes": 900, "expired": False}
            ],
        },
    )
    rsps.add(
        responses.GET, f"{WIRE}/actions/artifacts/9/zip", status=302, headers={"Location": BLOB}
    )
    rsps.add(responses.GET, BLOB, body=make_zip({"verdict.json": verdict}))
    rsps.add(
        responses.GET,
        "https://api.github.com:443/user",
        json={"message": "Resource not accessible"},
        status=403,
    )
    _check_run_callbacks(rsps)
    FakeIssue(rsps, others=0)
    rsps.add(responses.POST, f"{WIRE}/statuses/{HEAD}", json={"id": 1}, status=201)


def _env(tmp: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/widgets",
        "GITHUB_EVENT_NAME": "workflow_run",
        "GITHUB_EVENT_PATH": str(_event(tmp)),
        "GITHUB_SHA": "d" * 40,
        "GITHUB_RUN_ID": "600",
        "GITHUB_WORKSPACE": str(tmp),
        "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "INPUT_GITHUB-TOKEN": "ghs_test_token",
        "INPUT_MODE": "publish",
    }


def _annotations(rsps: responses.RequestsMock) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    for call in rsps.calls:
        url = call.request.url or ""
        if "/check-runs" in url and call.request.method in ("POST", "PATCH"):
            sent.extend(body_of(call.request).get("output", {}).get("annotations", []))
    return sent


def test_publish_mode_annotates_failing_tests_from_the_artifact_verdict(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fork = tmp_path / "fork"
    fork.mkdir()
    verdict = _fork_verdict(fork)
    base = tmp_path / "base"  # the workflow_run job checks out the base repository only
    base.mkdir()
    _api(rsps, verdict)
    out = io.StringIO()
    code = main(["action"], env=_env(base), out=out, err=io.StringIO(), clock=lambda: NOW)
    assert code == 0, out.getvalue()
    by_title = {a["title"]: a for a in _annotations(rsps)}
    total = by_title["Test failed: tests.test_cart › test_total"]
    assert (total["path"], total["start_line"], total["annotation_level"]) == (
        "tests/test_cart.py",
        12,  # pytest writes 0-based lines
        "failure",
    )
    assert total["message"].startswith("assert 3 == 4")
    gone = by_title["Test failed: tests.test_cart › test_gone"]
    # its file is not in the fork's workspace: on the report's line, saying so
    assert (gone["path"], gone["start_line"]) == ("reports/junit.xml", 6)
    assert "/ci/elsewhere/test_gone.py is not in the workspace" in gone["message"]
    # the same annotations reach the log as workflow commands
    assert "file=tests/test_cart.py,line=12::assert 3 == 4" in out.getvalue()
