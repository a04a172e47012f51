"""Sources are opt-in: only what the policy names (or the command line gives) is measured."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slo_gate.cli import main

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-01T00:00:00Z"

PASSING = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="0" errors="0" skipped="0">
<testcase classname="tests.test_a" name="test_one" file="tests/test_a.py" time="0.1"/>
<testcase classname="tests.test_a" name="test_two" file="tests/test_a.py" time="0.1"/>
</testsuite></testsuites>
"""
FAILING = PASSING.replace(
    '"test_two" file="tests/test_a.py" time="0.1"/>',
    '"test_two" file="tests/test_a.py" time="0.1"><failure message="boom">x</failure></testcase>',
).replace('failures="0"', 'failures="1"')


def _check(ws: Path, *argv: str) -> tuple[int, str, str, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    verdict = ws / "verdict.json"
    code = main(
        [
            "check",
            "--workspace",
            str(ws),
            "--now",
            NOW,
            "--no-record",
            "--json",
            str(verdict),
            *list(argv),
        ],
        env={},
        out=out,
        err=err,
        clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
    )
    data = json.loads(verdict.read_text()) if verdict.exists() else {}
    return code, out.getvalue(), err.getvalue(), data


def _tests_only(ws: Path, report: str) -> None:
    (ws / ".github").mkdir()
    (ws / ".github" / "slo-gate.yml").write_text("version: 1\ntests:\n  junit: ['reports/*.xml']\n")
    (ws / "reports").mkdir()
    (ws / "reports" / "junit.xml").write_text(report)


def test_a_tests_only_policy_passes_on_passing_reports(tmp_path: Path) -> None:
    _tests_only(tmp_path, PASSING)
    code, out, _, data = _check(tmp_path)
    assert code == 0, out
    assert data["decision"] == "pass"
    assert data["bundles"] is None
    assert data["problems"] == []
    assert {s["id"] for s in data["slos"]} == {"tests"}  # no visual test: no visual row
    assert "bundle" not in out


def test_a_tests_only_policy_fails_only_on_failing_tests(tmp_path: Path) -> None:
    _tests_only(tmp_path, FAILING)
    code, _out, _, data = _check(tmp_path)
    assert code == 1
    assert data["decision"] == "fail"
    assert data["problems"] == []
    assert all("tests" in r for r in data["reasons"])


def test_junit_on_the_command_line_turns_tests_on_without_a_policy(tmp_path: Path) -> None:
    (tmp_path / "r.xml").write_text(PASSING)
    code, out, _, data = _check(tmp_path, "--junit", "r.xml")
    assert code == 0, out
    assert data["bundles"] is None
    assert "policy: the built-in policy" in out


def test_a_logs_only_policy_gives_its_decision_without_bundle_noise(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "logs", tmp_path / "logs")
    (tmp_path / "policy.yml").write_text("server:\n  logs: ['logs/mcp/*.jsonl']\n")
    code, out, _, data = _check(tmp_path, "--config", str(tmp_path / "policy.yml"))
    ids = {s["id"] for s in data["slos"]}
    assert ids == {"mcp-availability", "mcp-latency-local", "mcp-latency-remote"}
    assert data["decision"] == "pause"  # the example month's incident
    assert code == 0
    assert data["bundles"] is None and data["tests"] is None
    assert not [p for p in data["problems"] if p["source"] == "bundles"]
    assert "bundle" not in out.lower()


def test_an_empty_section_turns_its_source_on_with_the_built_in_thresholds(
    tmp_path: Path,
) -> None:
    (tmp_path / "policy.yml").write_text("bundles: {}\n")
    code, _, _, data = _check(tmp_path, "--config", str(tmp_path / "policy.yml"))
    assert code == 1
    codes = [p["code"] for p in data["problems"]]
    assert codes == ["bundle-root-missing"]


def test_a_section_that_names_nothing_is_a_named_problem(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text("server: {}\ntests: {}\n")
    code, _, _, data = _check(tmp_path, "--config", str(tmp_path / "policy.yml"))
    codes = sorted(p["code"] for p in data["problems"])
    assert codes == ["server-no-input", "tests-no-input"]
    assert code == 1


def test_no_policy_and_nothing_given_is_exit_2_pointing_at_init(tmp_path: Path) -> None:
    code, out, err, data = _check(tmp_path)
    assert code == 2
    assert "slo-gate init" in err
    assert data == {}
    assert "FAIL" not in out
