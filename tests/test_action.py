"""The whole action (``slo-gate action``) on a pull request, against the REST API simulated
with ``responses``: real collectors and engine on the bundled example, every publisher."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import responses

from slo_gate.cli import main
from tests.github.test_publish import (
    HEAD,
    MERGE,
    REPO,
    WIRE,
    FakeIssue,
    _check_run_callbacks,
    body_of,
    calls,
    pr_env,
    write_event,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = [
    json.loads(line) for line in (ROOT / "examples/history-seed.jsonl").read_text().splitlines()
]
BASE = SEED[-1]["commit"]  # the merge commit's first parent has a record in the history


POLICY = """\
version: 1
bundles:
  root: examples/widgets/dist
  widgets: {html: "src/widgets/**/index.html"}
  per_widget: {warning: 150 KB, critical: 200 KB}   # the gallery widget breaks it
server:
  logs: ["examples/logs/mcp/*.jsonl"]
release:
  accept_increase_label: size-ok
history:
  seed: examples/history-seed.jsonl
"""


def _workspace(tmp: Path) -> None:
    for name in ("widgets", "logs"):
        shutil.copytree(ROOT / "examples" / name, tmp / "examples" / name)
    shutil.copy(ROOT / "examples" / "history-seed.jsonl", tmp / "examples")
    (tmp / "examples/slo-gate.yml").write_text(POLICY)


def _api(rsps: responses.RequestsMock, labels: list[str]) -> FakeIssue:
    issue = FakeIssue(rsps, others=3)
    _check_run_callbacks(rsps)
    user = "https://api.github.com:443/user"
    rsps.add(responses.GET, user, json={"message": "Resource not accessible"}, status=403)
    rsps.add(
        responses.GET,
        f"{WIRE}/commits/{MERGE}",
        json={"sha": MERGE, "url": f"{REPO}/commits/{MERGE}", "parents": [{"sha": BASE}]},
    )
    rsps.add(
        responses.GET,
        f"{WIRE}/issues/42/labels",
        json=[{"name": n, "url": f"{REPO}/labels/{n}"} for n in labels],
    )
    events: list[dict[str, Any]] = [
        {
            "id": 1,
            "event": "labeled",
            "label": {"name": n},
            "actor": {"login": "reviewer"},
            "created_at": "2026-10-31T12:00:00Z",
        }
        for n in labels
    ]
    rsps.add(responses.GET, f"{WIRE}/issues/42/events", json=events)
    rsps.add(responses.POST, f"{WIRE}/statuses/{HEAD}", json={"id": 1}, status=201)
    return issue


def _run(env: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(
        ["action"],
        env=env,
        out=out,
        err=io.StringIO(),
        clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
    )
    return code, out.getvalue()


def _env(tmp: Path, **inputs: str) -> dict[str, str]:
    env = pr_env(tmp, write_event(tmp, "acme/widgets"))
    env["INPUT_GITHUB-TOKEN"] = "ghs_secret_token_value"
    env["INPUT_CONFIG"] = "examples/slo-gate.yml"
    env["INPUT_JSON"] = "out/verdict.json"
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env


def _request(rsps: responses.RequestsMock, method: str, part: str) -> Any:
    return next(
        c.request
        for c in rsps.calls
        if c.request.method == method and c.request.url and part in c.request.url
    )


def test_pull_request_run_publishes_everything_on_the_head_commit(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    _workspace(tmp_path)
    issue = _api(rsps, labels=["size-ok"])
    code, out = _run(_env(tmp_path))
    assert code == 0, out  # a pause on a pull request: the step passes, the status blocks
    sent = calls(rsps)
    # the baseline: the merge commit's first parent, which has a record in the history
    assert any(c.startswith(f"GET /repos/acme/widgets/commits/{MERGE}") for c in sent)
    assert "GET /repos/acme/widgets/issues/42/labels?per_page=100" in sent
    assert "POST /repos/acme/widgets/issues/42/comments" in sent
    assert body_of(_request(rsps, "POST", "/check-runs"))["head_sha"] == HEAD
    status = body_of(_request(rsps, "POST", "/statuses/"))
    assert status["state"] == "failure"
    assert status["description"].startswith("releases paused: mcp-availability")
    verdict = json.loads((tmp_path / "out/verdict.json").read_text())
    # the bundle breach is a warning only because of the label, and the verdict says who
    assert verdict["decision"] == "pause"
    size = next(s for s in verdict["slos"] if s["id"] == "widget-bundle-size")
    assert size["status"] == "fail"
    (accepted,) = [o for o in verdict["overrides"] if o["kind"] == "accept-increase"]
    assert (accepted["by"], accepted["applied"], accepted["source"]) == ("reviewer", True, "label")
    assert any("accepted as a warning" in r and "reviewer" in r for r in verdict["reasons"])
    assert verdict["bundles"]["baseline"]["commit"] == BASE
    outputs = (tmp_path / "output").read_text()
    assert "decision<<ghadelimiter_" in outputs and "\npause\n" in outputs
    assert "ghs_secret_token_value" not in outputs
    assert out.count("ghs_secret_token_value") == 1  # only in the ::add-mask:: command
    # one client for the gate, the labels and the publishers: one request line
    assert out.count("GitHub API: ") == 1
    (ours,) = issue.ours()
    assert "## slo-gate: ⏸️ pause" in ours["body"]
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## slo-gate: ⏸️ pause")
    assert "### Trends: the last 30 days of history" in summary and "```mermaid" in summary
    assert "```mermaid" not in ours["body"]  # charts go to the job summary only
    # pull requests never write the history
    assert not (tmp_path / ".slo-gate/history.jsonl").exists()


def test_without_the_label_the_breach_fails_the_step(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    _workspace(tmp_path)
    _api(rsps, labels=[])
    code, out = _run(_env(tmp_path))
    assert code == 1, out
    verdict = json.loads((tmp_path / "out/verdict.json").read_text())
    assert verdict["decision"] == "fail"
    runs = [c.request for c in rsps.calls if c.request.url and "/check-runs" in c.request.url]
    assert body_of(runs[-1])["conclusion"] == "failure"
