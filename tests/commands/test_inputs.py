"""``check`` and ``report`` resolve their inputs the same way (``commands.inputs``), tested end to
end through the local fake GitHub server: the data-branch history and the CI listing options."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slo_gate.cli import main
from slo_gate.commands.inputs import StoreChoice, connection, open_store, shared_client
from slo_gate.config.policy import Policy
from slo_gate.github.client import Connection, GitHubClient, make_client
from slo_gate.history.file_store import FileStore
from slo_gate.records import Record
from slo_gate.runenv import RunEnv
from tests.fakes.github_server import State, make_run, serve

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 1, tzinfo=UTC)
POLICY = """\
version: 1
bundles:
  root: examples/widgets/dist
  widgets: {html: "src/widgets/**/index.html"}
ci:
  workflows: [ci.yml]
  branches: [main]
  events: [push]
history:
  store: github-branch
"""


def _env(url: str) -> dict[str, str]:
    """A push to main (a trusted event: the data branch may be written)."""
    return {
        "GITHUB_API_URL": url,
        "GITHUB_TOKEN": "ghs_fake",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
    }


def _state() -> State:
    state = State()
    state.runs["ci.yml"] = [
        make_run(rid, NOW - timedelta(hours=6 * rid), event="push" if rid % 2 else "schedule")
        for rid in range(1, 21)
    ]
    return state


def _run(argv: list[str], ws: Path, url: str, at: datetime) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            *argv,
            "--workspace",
            str(ws),
            "--config",
            str(ws / "policy.yml"),
            "--now",
            at.isoformat(),
        ],
        env=_env(url),
        out=out,
        err=err,
        clock=lambda: at,
    )
    assert code in (0, 1), err.getvalue()
    return out.getvalue()


def _listings(state: State) -> list[dict[str, list[str]]]:
    return [e.query for e in state.log if e.path.endswith("/actions/workflows/ci.yml/runs")]


def test_report_reads_the_data_branch_and_lists_ci_runs_like_check(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "widgets", tmp_path / "examples" / "widgets")
    (tmp_path / "policy.yml").write_text(POLICY)
    with serve(_state()) as (url, state):
        _run(["check", "--commit", "a" * 40], tmp_path, url, NOW - timedelta(hours=2))
        _run(["check", "--commit", "b" * 40], tmp_path, url, NOW - timedelta(hours=1))
        check_listings = _listings(state)
        state.log.clear()
        _run(["report", "--window", "30d", "--json", str(tmp_path / "r.json")], tmp_path, url, NOW)
        report_listings = _listings(state)
        branch = state.branches["slo-gate-data"]
    assert any(path.startswith("records/") for path in branch)  # the checks wrote two records
    report: dict[str, Any] = json.loads((tmp_path / "r.json").read_text())
    sources = {s["source"]: s for s in report["coverage"]["sources"]}
    assert sources["history records"]["samples"] == 2
    # the same server-side filters as the gate: branch, event, completed runs
    assert check_listings and report_listings
    for query in [*check_listings, *report_listings]:
        assert (query["branch"], query["event"], query["status"]) == (
            ["main"],
            ["push"],
            ["completed"],
        )


def test_report_without_github_names_the_missing_data_branch(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    out = io.StringIO()
    where = ["--workspace", str(tmp_path), "--config", str(tmp_path / "policy.yml")]
    code = main(
        ["report", "--window", "30d", "--offline", *where, "--json", str(tmp_path / "r.json")],
        env={},
        out=out,
        err=io.StringIO(),
        clock=lambda: NOW,
    )
    assert code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    codes = [p["code"] for p in report["problems"]]
    assert "github-not-configured" in codes


def test_one_client_per_process_built_on_first_use() -> None:
    built: list[Connection] = []

    def factory(conn: Connection) -> GitHubClient:
        built.append(conn)
        return make_client(conn)

    run = RunEnv(repository="o/r", token="ghs_env", api_url="https://ghe.example.com/api/v3")
    github = shared_client(run, token="ghs_input", factory=factory)
    assert github.usable and not github.built and github.summary() is None
    assert github.get() is github.get()
    assert built == [Connection("o/r", "ghs_input", "https://ghe.example.com/api/v3")]
    assert connection(run, token="").token is None  # an empty action input: no token
    assert connection(run, repository="x/y") == Connection("x/y", "ghs_env", run.api_url)


def test_the_file_store_ignores_records_dated_after_the_runs_now(tmp_path: Path) -> None:
    """Issue 12: the file store was built without ``now``, so a record two hours ahead of the
    run (within 2200) was read and could become the baseline."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    history = tmp_path / "history.jsonl"
    lines = [
        Record(recorded_at=now - timedelta(days=1), commit="past").model_dump_json(),
        Record(recorded_at=now + timedelta(hours=2), commit="ahead").model_dump_json(),
    ]
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store, problems = open_store(Policy(), tmp_path, StoreChoice(path=history), RunEnv(), None, now)
    assert problems == [] and isinstance(store, FileStore) and store.now == now
    assert [r.commit for r in store.read()] == ["past"]
    assert [p.code for p in store.problems] == ["history-future-records"]
