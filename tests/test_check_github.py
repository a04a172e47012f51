"""``slo-gate check`` with GitHub history, end to end through a local fake GitHub server: the
CI pass rate over 7 days and the build-time P95 over 30 days from the Jobs API, then a warm
run that asks only for what is new."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slo_gate.cli import main
from tests.fakes.github_server import State, make_job, make_run, serve

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 1, tzinfo=UTC)
POLICY = """\
version: 1
bundles:
  root: examples/widgets/dist
  widgets: {html: "src/widgets/**/index.html"}
ci:
  workflows: [ci.yml]
  branches: [main]
build_time:
  from: {workflow: ci.yml, job: "build*", step: "Build widgets"}
"""


def _state() -> State:
    """10 days x 4 runs: every 8th fails; builds of 100 s + run id seconds, two matrix legs."""
    state = State()
    runs = []
    for rid in range(1, 41):
        created = NOW - timedelta(hours=6 * rid)
        runs.append(make_run(rid, created, conclusion="failure" if rid % 8 == 0 else "success"))
        state.jobs[(rid, 1)] = [
            make_job(
                f"build (ubuntu-latest, {leg})",
                created,
                300,
                steps=[("Build widgets", 100 + rid, "success")],
            )
            for leg in ("web", "docs")
        ] + [make_job("lint", created, 30, steps=[("Build widgets", 999, "success")])]
    state.runs["ci.yml"] = runs
    return state


def _check(ws: Path, url: str) -> dict[str, object]:
    code = main(
        [
            "check",
            "--workspace",
            str(ws),
            "--config",
            str(ws / "policy.yml"),
            "--now",
            NOW.isoformat(),
            "--repo",
            "o/r",
            "--json",
            str(ws / "v.json"),
        ],
        env={"GITHUB_API_URL": url, "GITHUB_TOKEN": "ghs_fake"},
        out=io.StringIO(),
        err=io.StringIO(),
        clock=lambda: NOW,
    )
    assert code in (0, 1)
    verdict: dict[str, object] = json.loads((ws / "v.json").read_text())
    return verdict


def test_ci_pass_rate_and_build_time_from_github(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "widgets", tmp_path / "examples" / "widgets")
    (tmp_path / "policy.yml").write_text(POLICY)
    with serve(_state()) as (url, state):
        verdict = _check(tmp_path, url)
        cold = len(state.log)
        state.log.clear()
        _check(tmp_path, url)
        warm = len(state.log)
    slos = {s["id"]: s for s in verdict["slos"]}  # type: ignore[attr-defined]
    ci = slos["ci-pass-rate"]
    # (NOW - 7 d, NOW]: runs 1..27 (run 28 is exactly 7 d old); failures 8, 16, 24
    assert (ci["samples"], round(ci["value"], 4)) == (27, round(24 / 27 * 100, 4))
    assert ci["status"] == "fail"  # 88.89 % < 95 %
    build = slos["widget-build-time"]
    # no build this run (not in Actions): the 30-day history is the 40 runs, slowest leg of
    # "build*" jobs (the lint job does not match): 100 + rid seconds; P95 = ceil(0.95*40) = 38th
    assert (build["history"]["samples"], build["history"]["value"]) == (40, 138.0)
    assert build["status"] == "pass"  # 138 s <= 4 min
    assert cold <= 3 + 40  # listings, then one jobs call per run not yet stored
    assert warm <= 5
