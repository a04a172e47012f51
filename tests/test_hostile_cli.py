"""End to end (issue 12): hostile files in a workspace give a verdict with named problems, or
exit 2 for a bad policy — never exit 3 (a bug), never a traceback, never a hang."""

from __future__ import annotations

import json
import os
from pathlib import Path

from slo_gate.records import Record
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]


def check(ws: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        "check",
        "--workspace",
        str(ws),
        "--config",
        str(ws / "examples/slo-gate.yml"),
        "--now",
        "2026-11-01T00:00:00Z",
        "--branch",
        "main",
        "--commit",
        "bbb222",
        "--json",
        str(ws / "v.json"),
        *extra,
    )


def problem_codes(ws: Path) -> list[str]:
    return [p["code"] for p in json.loads((ws / "v.json").read_text("utf-8"))["problems"]]


def test_a_policy_with_an_infinite_number_exits_2(ws: Path) -> None:
    policy = ws / "examples" / "slo-gate.yml"
    policy.write_text(policy.read_text("utf-8") + "budget:\n  min_events: .inf\n", "utf-8")
    code, _, err = check(ws)
    assert code == 2
    assert err.startswith("error: ") and "budget.min_events" in err
    assert "Traceback" not in err


def test_a_hostile_build_folder_is_problems_in_the_verdict(ws: Path) -> None:
    dist = ws / "examples" / "widgets" / "dist"
    (dist / "loop").symlink_to("loop")
    (dist / "up").symlink_to(".", target_is_directory=True)
    os.mkfifo(dist / "pipe.js")
    os.mkdir(os.fsencode(dist) + b"/bad\xff")
    deep = dist
    for _ in range(70):
        deep = deep / "d"
    deep.mkdir(parents=True)
    code, _, err = check(ws, "--no-record")
    assert code in (0, 1), err
    codes = problem_codes(ws)
    for expected in ("path-link-loop", "path-special-file", "path-not-utf8", "walk-too-deep"):
        assert expected in codes


def test_a_damaged_history_loses_nothing(ws: Path) -> None:
    history = ws / ".slo-gate" / "history.jsonl"
    history.parent.mkdir()
    seed_line = (ws / "examples" / "history-seed.jsonl").read_text("utf-8").splitlines()[0]
    future = json.loads(seed_line) | {"recorded_at": "9999-01-01T00:00:00Z", "commit": "forged"}
    naive = json.loads(seed_line) | {"recorded_at": "2026-10-30T00:00:00", "commit": "naive"}
    history.write_bytes(
        json.dumps(naive).encode()
        + b"\n\xff\xfe not a record\n"
        + json.dumps(future).encode()
        + b"\n"
        + seed_line.encode()[:50]  # torn: a run killed while writing
    )
    code, _, err = check(ws)
    assert code in (0, 1), err
    codes = problem_codes(ws)
    assert "history-bad-lines" in codes
    assert "history-torn-line" in codes
    assert "history-future-records" in codes
    lines = history.read_text("utf-8", errors="replace").splitlines()
    assert len(lines) == 5  # the fragment kept on its own line, the new record after it
    assert Record.model_validate_json(lines[-1]).commit == "bbb222"
    verdict = json.loads((ws / "v.json").read_text("utf-8"))
    assert "forged" not in json.dumps(verdict.get("bundles", {}).get("changes", {}))
