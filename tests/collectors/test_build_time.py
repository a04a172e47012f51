"""Build-time collector: {seconds}, {file} and {workflow, job, step} sources."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import responses

from slo_gate.collectors.build_time import RunRef, collect_build_time
from slo_gate.config.policy import BuildTimeSource
from slo_gate.github.client import ClientSettings, Connection, make_client
from slo_gate.history.workflow_runs import WorkflowRunReader
from tests.fakes.github_server import make_job

T0 = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)


def test_seconds() -> None:
    m = collect_build_time(BuildTimeSource.model_validate({"seconds": "83.2 s"}), workspace=Path())
    assert (m.seconds, m.source, m.problems) == (83.2, "seconds", ())


def test_file_seconds_and_timestamps(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"seconds": 90}))
    (tmp_path / "b.json").write_text(
        json.dumps({"started_at": "2026-01-19T10:00:00Z", "completed_at": "2026-01-19T10:01:23Z"})
    )
    a = collect_build_time(BuildTimeSource(file="a.json"), workspace=tmp_path)
    b = collect_build_time(BuildTimeSource(file="b.json"), workspace=tmp_path)
    assert (a.seconds, b.seconds) == (90.0, 83.0)


def test_bad_files_are_named_problems(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"seconds":\n  oops}')
    (tmp_path / "neg.json").write_text('{"seconds": -1}')
    missing = collect_build_time(BuildTimeSource(file="nope.json"), workspace=tmp_path)
    bad = collect_build_time(BuildTimeSource(file="bad.json"), workspace=tmp_path)
    neg = collect_build_time(BuildTimeSource(file="neg.json"), workspace=tmp_path)
    assert missing.seconds is None and "not found" in missing.problems[0].message
    assert (bad.problems[0].path, bad.problems[0].line) == ("bad.json", 2)
    assert neg.seconds is None and neg.problems[0].code == "build-time-bad-file"


def test_no_source_is_no_measurement() -> None:
    m = collect_build_time(None, workspace=Path())
    assert (m.seconds, m.source) == (None, "none")


@responses.activate
def test_jobs_api_for_this_run_attempt() -> None:
    jobs = [
        make_job("build (ubuntu-latest, web)", T0, 200, steps=[("Build widgets", 120, "success")]),
        make_job("build (ubuntu-latest, docs)", T0, 200, steps=[("Build widgets", 140, "success")]),
    ]
    responses.get(
        "https://api.github.com:443/repos/o/r/actions/runs/42/attempts/2/jobs",
        json={"total_count": 2, "jobs": jobs},
    )
    client = make_client(
        Connection(repository="o/r", token="t"),
        settings=ClientSettings(seconds_between_writes=None),
    )
    m = collect_build_time(
        BuildTimeSource(workflow="ci.yml", job="build*", step="Build widgets"),
        workspace=Path(),
        reader=WorkflowRunReader(client),
        run=RunRef(run_id=42, attempt=2),
    )
    assert (m.seconds, m.source) == (140.0, "jobs-api")
    assert m.legs == {"build (ubuntu-latest, web)": 120.0, "build (ubuntu-latest, docs)": 140.0}


def test_jobs_source_outside_actions_is_a_problem() -> None:
    m = collect_build_time(
        BuildTimeSource(workflow="ci.yml", job="build"), workspace=Path(), run=RunRef()
    )
    assert m.seconds is None and m.problems[0].code == "build-time-no-run"


def _file_problem(workspace: Path, name: str) -> str:
    m = collect_build_time(BuildTimeSource(file=name), workspace=workspace)
    assert m.seconds is None and m.source == "file"
    [problem] = m.problems
    assert problem.code == "build-time-bad-file" and problem.path == name
    return problem.message


def test_special_and_oversized_build_time_files_are_refused_not_read(tmp_path: Path) -> None:
    """Issue 12: ``file: /dev/zero`` read forever; a FIFO blocked. Both are refused at once."""
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "big.json").write_text('{"seconds": 1, "pad": "' + "x" * 1_000_000 + '"}')
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "digits.json").write_text('{"seconds": ' + "9" * 5000 + "}")
    assert "not a regular file" in _file_problem(tmp_path, "zero.json")
    assert "not a regular file" in _file_problem(tmp_path, "pipe.json")
    assert "larger than the limit of 1,000,000 bytes" in _file_problem(tmp_path, "big.json")
    assert "build-time file" in _file_problem(tmp_path, "deep.json")
    assert "unreadable value" in _file_problem(tmp_path, "digits.json")
