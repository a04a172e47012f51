from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from slo_gate.cli import main
from slo_gate.config.schema import verdict_schema

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-01T00:00:00Z"


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv), env=env or {}, out=out, err=err, clock=lambda: datetime(2026, 11, 1, tzinfo=UTC)
    )
    return code, out.getvalue(), err.getvalue()


def check(ws: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        "check",
        "--workspace",
        str(ws),
        "--config",
        str(ws / "examples/slo-gate.yml"),
        "--now",
        NOW,
        "--branch",
        "main",
        *extra,
    )


def test_example_pauses_writes_files_and_validates(ws: Path) -> None:
    code, out, err = check(
        ws,
        "--commit",
        "aaa111",
        "--json",
        str(ws / "v.json"),
        "--markdown",
        str(ws / "s.md"),
    )
    assert (code, err) == (0, "")  # a pause does not fail a pull request
    assert "decision: PAUSE" in out
    assert "gallery" in out
    verdict = json.loads((ws / "v.json").read_text())
    jsonschema.validate(verdict, verdict_schema())
    assert verdict["schema_version"] == 1
    assert verdict["decision"] == "pause"
    assert verdict["release"]["state"] == "paused"
    assert "mcp-availability: 84.81 % of the error budget consumed" in verdict["release"]["reason"]
    availability = next(s for s in verdict["slos"] if s["id"] == "mcp-availability")
    assert availability["budget"]["bad"] == 108
    assert availability["budget"]["valid"] == 25470
    gallery = next(w for w in verdict["bundles"]["widgets"] if w["name"] == "gallery")
    assert gallery["status"] == "warn"
    assert 240_000 < gallery["gzip"] <= 250_000
    assert verdict["bundles"]["compression"]["gzip_level"] == 9
    assert verdict["bundles"]["compression"]["brotli_quality"] == 11
    size = next(s for s in verdict["slos"] if s["id"] == "widget-bundle-size")
    assert size["history"]["samples"] == 30  # October 2 to 31 of the embedded history
    summary = (ws / "s.md").read_text()
    assert "## slo-gate: ⏸️ pause" in summary
    assert "### Error budgets" in summary
    assert "| gallery | 5 |" in summary


def test_second_check_on_another_commit_shows_deltas(ws: Path) -> None:
    check(ws, "--commit", "aaa111")
    (ws / "examples/widgets/dist/assets").joinpath("extra.css").write_text("x" * 10)
    html = ws / "examples/widgets/dist/src/widgets/chat/index.html"
    html.write_text(
        html.read_text().replace(
            "</head>", '<link rel="stylesheet" href="/assets/extra.css"></head>'
        )
    )
    check(ws, "--commit", "bbb222", "--json", str(ws / "v.json"))
    verdict = json.loads((ws / "v.json").read_text())
    chat = next(w for w in verdict["bundles"]["widgets"] if w["name"] == "chat")
    assert chat["delta"]["raw"] == 10 + len('<link rel="stylesheet" href="/assets/extra.css">')
    assert verdict["bundles"]["baseline"]["commit"] == "aaa111"
    assert verdict["bundles"]["baseline"]["how"] == "last record of branch main"
    assert verdict["bundles"]["cached_files"] == 10  # all but the changed HTML and the new CSS
    lines = (ws / ".slo-gate/history.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_baseline_ref_picks_a_seed_commit(ws: Path) -> None:
    seed = (ws / "examples/history-seed.jsonl").read_text().splitlines()
    first = json.loads(seed[0])
    check(
        ws,
        "--baseline",
        first["commit"][:10],
        "--json",
        str(ws / "v.json"),
        "--no-record",
    )
    verdict = json.loads((ws / "v.json").read_text())
    assert verdict["bundles"]["baseline"]["commit"] == first["commit"]
    assert not (ws / ".slo-gate/history.jsonl").exists()


def test_release_mode_fails_on_pause(ws: Path) -> None:
    code, out, _ = check(ws, "--mode", "release", "--no-record")
    assert code == 1
    assert "decision: PAUSE" in out


def test_override_lifts_the_pause_audited(ws: Path) -> None:
    code, _, _ = check(
        ws,
        "--mode",
        "release",
        "--no-record",
        "--override",
        "urgent login fix",
        "--json",
        str(ws / "v.json"),
    )
    verdict = json.loads((ws / "v.json").read_text())
    assert code == 0
    assert verdict["decision"] == "warn"
    assert verdict["release"]["state"] == "open"
    (override,) = verdict["overrides"]
    assert override["reason"] == "urgent login fix"
    assert override["applied"] is True
    assert override["by"]
    assert override["at"] == "2026-11-01T00:00:00Z"


def _policy(ws: Path, text: str) -> Path:
    path = ws / "policy.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("limits", "code", "decision"),
    [
        ("{warning: 100 KB, critical: 200 KB}", 1, "FAIL"),
        ("{warning: 300 KiB, critical: 1 MiB}", 0, "PASS"),
    ],
    ids=["fail-exits-1", "pass-exits-0"],
)
def test_the_exit_code_follows_the_decision(
    ws: Path, limits: str, code: int, decision: str
) -> None:
    policy = _policy(
        ws,
        "bundles:\n  root: examples/widgets/dist\n"
        "  widgets: {html: 'src/widgets/**/index.html'}\n"
        f"  per_widget: {limits}\n",
    )
    argv = ["check", "--workspace", str(ws), "--config", str(policy), "--now", NOW, "--no-record"]
    got, out, _ = run(*argv)
    assert got == code
    assert f"decision: {decision}" in out


def test_missing_build_fails_with_named_problem(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "bundles: {}\n")
    code, out, _ = run(
        "check", "--workspace", str(tmp_path), "--config", str(policy), "--now", NOW, "--no-record"
    )
    assert code == 1
    assert "[bundle-root-missing]" in out


def test_no_policy_and_no_inputs_points_at_init(tmp_path: Path) -> None:
    code, out, err = run("check", "--workspace", str(tmp_path), "--now", NOW, "--no-record")
    assert code == 2
    assert "slo-gate init" in err
    assert "FAIL" not in out


def test_bad_policy_exits_2_without_traceback(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "bundles:\n  rot: dist\n")
    code, _, err = run("check", "--workspace", str(tmp_path), "--config", str(policy))
    assert code == 2
    assert "did you mean 'root'?" in err
    assert "Traceback" not in err


def test_usage_error_exits_2() -> None:
    code, _, _ = run("check", "--mode", "sideways")
    assert code == 2


def test_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _policy(tmp_path, "version: 1\n")
    assert run("validate", str(good))[0] == 0
    bad = tmp_path / "bad.yml"
    bad.write_text("tests:\n  fail_on_failure: true\n")
    code, _, err = run("validate", str(bad))
    assert code == 2
    assert (
        "bad.yml:2: unknown key 'tests.fail_on_failure' — did you mean 'fail_on_failures'?" in err
    )
    code, _, err = run("validate", "--config", str(bad))
    assert code == 2
    assert "did you mean 'fail_on_failures'?" in err
    code, out, _ = run("validate", "--config", str(good))
    assert (code, "valid slo-gate policy; sources: none" in out) == (0, True)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("validate")
    assert (code, "slo-gate init" in err) == (2, True)


@pytest.mark.parametrize("which", ["policy", "verdict"])
def test_schema(which: str) -> None:
    code, out, _ = run("schema", which)
    assert code == 0
    jsonschema.Draft202012Validator.check_schema(json.loads(out))


def test_bad_history_lines_are_reported_not_fatal(ws: Path) -> None:
    hist = ws / ".slo-gate" / "history.jsonl"
    hist.parent.mkdir()
    hist.write_text("not json\n{}\n")
    code, out, _ = check(ws, "--no-record")
    assert code == 0
    assert "[history-bad-lines]" in out
    assert "lines 1, 2" in out


def test_python_dash_m(ws: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "slo_gate", "schema", "verdict"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["title"].startswith("slo-gate verdict")


def test_failing_tests_fail_the_gate_and_are_recorded(ws: Path) -> None:
    reports = ROOT / "tests" / "fixtures" / "reports" / "pytest"
    shutil.copytree(reports, ws / "reports")
    code, _, _ = check(
        ws,
        "--commit",
        "t1",
        "--junit",
        "reports/pytest-xunit2.xml",
        "--json",
        str(ws / "v.json"),
        "--markdown",
        str(ws / "s.md"),
    )
    assert code == 1
    verdict = json.loads((ws / "v.json").read_text())
    jsonschema.validate(verdict, verdict_schema())
    assert verdict["tests"]["failed"] > 0
    assert next(s for s in verdict["slos"] if s["id"] == "tests")["status"] == "fail"
    assert "### Tests" in (ws / "s.md").read_text()
    record = json.loads((ws / ".slo-gate/history.jsonl").read_text().splitlines()[-1])
    assert record["tests"]["counts"]["failed"] == verdict["tests"]["failed"]


def test_test_glob_matching_nothing_is_not_a_silent_pass(ws: Path) -> None:
    code, out, _ = check(ws, "--junit", "reports/none-*.xml", "--no-record")
    assert code == 1
    assert "reports/none-*.xml" in out


def test_a_branch_without_records_is_told_which_baseline_to_name(ws: Path) -> None:
    """A first local check on a feature branch: no deltas, and the notice names the fix."""
    argv = ["check", "--workspace", str(ws), "--config", str(ws / "examples/slo-gate.yml")]
    argv += ["--now", NOW, "--no-record", "--json", str(ws / "v.json")]
    code, out, _ = run(*argv, "--branch", "feature/cart", "--commit", "ccc333")
    assert code == 0
    verdict = json.loads((ws / "v.json").read_text())
    assert verdict["bundles"]["baseline"] is None
    notice = next(p for p in verdict["problems"] if p["code"] == "baseline-other-branch")
    assert notice["level"] == "notice"
    assert "no earlier check of branch feature/cart is recorded" in notice["message"]
    assert "Fix: --baseline main compares with the last record of main" in notice["message"]
    assert "notice: [baseline-other-branch]" in out
    # named, the baseline is found and the notice is gone
    run(*argv, "--branch", "feature/cart", "--commit", "ccc333", "--baseline", "main")
    verdict = json.loads((ws / "v.json").read_text())
    assert verdict["bundles"]["baseline"]["how"] == "--baseline main"
    assert all(p["code"] != "baseline-other-branch" for p in verdict["problems"])
    # on main itself the last record of main is the baseline: no notice
    run(*argv, "--branch", "main", "--commit", "ccc333")
    verdict = json.loads((ws / "v.json").read_text())
    assert all(p["code"] != "baseline-other-branch" for p in verdict["problems"])


def test_a_re_check_of_the_same_commit_is_told_how_to_compare_with_it(ws: Path) -> None:
    """The branch's only record is of this very commit (changes not yet committed): the notice
    says so, instead of "no earlier check of the branch", and names that commit's --baseline."""
    argv = ["check", "--workspace", str(ws), "--config", str(ws / "examples/slo-gate.yml")]
    argv += ["--now", NOW, "--json", str(ws / "v.json"), "--branch", "feature/cart"]
    run(*argv, "--commit", "ccc333")  # recorded
    code, out, _ = run(*argv, "--commit", "ccc333", "--no-record")
    assert code == 0
    verdict = json.loads((ws / "v.json").read_text())
    assert verdict["bundles"]["baseline"] is None
    (notice,) = [p for p in verdict["problems"] if p["code"].startswith("baseline-")]
    assert (notice["code"], notice["level"], notice["source"]) == (
        "baseline-same-commit",
        "notice",
        "history",
    )
    assert notice["message"] == (
        "sizes are shown without deltas: the recorded checks of branch feature/cart are all of "
        "this same commit (ccc333), and a check compares with an earlier commit's. Fix: "
        "--baseline ccc333 compares with that record (while changes are not committed yet); "
        "--baseline main with the last record of main"
    )
    assert "notice: [baseline-same-commit]" in out
    # named, that record is the baseline; another commit of the branch finds it by itself
    run(*argv, "--commit", "ccc333", "--no-record", "--baseline", "ccc333")
    verdict = json.loads((ws / "v.json").read_text())
    assert verdict["bundles"]["baseline"]["how"] == "--baseline ccc333"
    run(*argv, "--commit", "ddd444", "--no-record")
    verdict = json.loads((ws / "v.json").read_text())
    assert verdict["bundles"]["baseline"]["how"] == "last record of branch feature/cart"
    assert all(not p["code"].startswith("baseline-") for p in verdict["problems"])


def test_a_bare_small_size_is_noted_by_validate_and_check(ws: Path) -> None:
    """Valid, so exit 0; but validate and the check's notices say what "240" means."""
    policy = ws / "p.yml"
    text = (ws / "examples/slo-gate.yml").read_text()
    bundles = '  widgets: {html: "src/widgets/**/index.html"}\n'
    assert bundles in text
    policy.write_text(
        text.replace(bundles, bundles + "  per_widget: {warning: 240, critical: 250 KB}\n")
    )
    code, out, _ = run("validate", "--config", str(policy), "--workspace", str(ws))
    assert code == 0
    (note,) = [line for line in out.splitlines() if line.startswith("note: ")]
    assert "bundles.per_widget.warning: 240 is 240 bytes" in note
    assert "if 240 KB was meant, write the unit" in note
    argv = ["check", "--workspace", str(ws), "--config", str(policy), "--now", NOW]
    run(*argv, "--no-record", "--json", str(ws / "v.json"))
    verdict = json.loads((ws / "v.json").read_text())
    (notice,) = [p for p in verdict["problems"] if p["code"] == "policy-bare-size"]
    assert notice["level"] == "notice" and notice["message"] == note.removeprefix("note: ")
