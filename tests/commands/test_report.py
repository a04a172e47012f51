"""``run_report`` end to end on the bundled example (no network), and its usage errors.

The example's Markdown is checked in as ``docs/example-report.md``; this test keeps it in step
with the code (regenerate with ``SLO_GATE_REGEN_GOLDEN=1``).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slo_gate.commands.report import ReportArgs, run_report
from slo_gate.errors import UsageError
from slo_gate.runenv import RunEnv
from tests.golden import check_golden

ROOT = Path(__file__).resolve().parents[2]
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def _never() -> datetime:
    raise AssertionError("the clock must not be read when --now is given")


def _args(tmp_path: Path, **kw: object) -> ReportArgs:
    base: dict[str, object] = {
        "config": ROOT / "examples/slo-gate.yml",
        "workspace": ROOT,
        "history": tmp_path / "no-local-history.jsonl",  # only the seed, whatever ran here
        "now": NOV,
    }
    return ReportArgs(**{**base, **kw})  # type: ignore[arg-type]


def test_the_example_month_reproduces_docs_example_report(tmp_path: Path) -> None:
    out = io.StringIO()
    args = _args(
        tmp_path,
        month="2026-10",
        markdown=tmp_path / "report.md",
        json=tmp_path / "report.json",
        html=tmp_path / "report.html",
    )
    assert run_report(args, RunEnv(), out, _never) == 0
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    check_golden(ROOT / "docs/example-report.md", markdown)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    slos = {s["id"]: s for s in data["performance"]["slos"]}
    assert slos["mcp-availability"]["status"] == "warn"
    assert slos["widget-build-time"]["samples"] == 31
    budgets = {b["slo_id"]: b["state"] for b in data["budgets"]}
    assert budgets["mcp-availability"] == "pause"  # the 27 October outage: 85 % consumed
    assert any(i["slo_id"] == "mcp-availability" for i in data["incidents"]["found"])
    assert "CI runs not read" in data["coverage"]["note"]  # said, not silently passed
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "SLO report 2026-10: mcp-availability warn" in out.getvalue()


def test_without_output_files_the_markdown_goes_to_stdout(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_report(_args(tmp_path, window="7d", offline=True), RunEnv(), out, _never) == 0
    assert out.getvalue().startswith("# SLO report: rolling 7d to 2026-11-01 00:00")


def test_inside_actions_the_printed_markdown_is_inside_stop_commands(tmp_path: Path) -> None:
    plain, wrapped = io.StringIO(), io.StringIO()
    args = _args(tmp_path, window="7d", offline=True)
    assert run_report(args, RunEnv(), plain, _never) == 0
    assert run_report(args, RunEnv(in_actions=True), wrapped, _never) == 0
    lines = wrapped.getvalue().splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[-1] == f"::{token}::"
    assert "\n".join(lines[1:-1]) + "\n" == plain.getvalue()


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({}, "no period given"),
        ({"month": "2026-10", "window": "30d"}, "not both"),
        ({"month": "2027-01"}, "after now"),
        ({"window": "soon"}, "expected a duration"),
    ],
)
def test_usage_errors_name_the_fix(tmp_path: Path, kw: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message) as err:
        run_report(_args(tmp_path, **kw), RunEnv(), io.StringIO(), _never)
    assert err.value.fix


def test_publishing_without_github_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    args = _args(tmp_path, month="2026-10", publish="issue", json=tmp_path / "r.json")
    with pytest.raises(UsageError, match="need GitHub") as err:
        run_report(args, RunEnv(), io.StringIO(), _never)
    assert err.value.fix is not None and "GITHUB_TOKEN" in err.value.fix
