"""Golden files for the renderers: regenerate with SLO_GATE_REGEN_GOLDEN=1, review by eye."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from slo_gate.config.policy import Policy
from slo_gate.engine.evaluate import EngineInput, evaluate
from slo_gate.measurements import (
    BundleMeasurement,
    CompressionInfo,
    FileSize,
    Measurements,
    Problem,
    WidgetFiles,
)
from slo_gate.records import BundleRecord, Record, SizeRecord, WidgetRecord
from slo_gate.render.json_out import render_json
from slo_gate.render.markdown import render_markdown
from slo_gate.render.terminal import printed, render_terminal
from slo_gate.verdict import Verdict
from tests.golden import check_golden
from tests.hostile import BASE, runner_commands

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _verdict() -> Verdict:
    def f(path: str, gz: int) -> FileSize:
        return FileSize(path=path, sha256=path, raw=gz * 3, gzip=gz, brotli=gz * 9 // 10)

    files = {
        x.path: x
        for x in [
            f("chat/index.html", 400),
            f("assets/chat.js", 90_000),
            f("assets/vendor.js", 45_000),
            f("gallery/index.html", 410),
            f("assets/gallery.js", 200_500),
            f("@here|<b>`x`/index.html", 100),
        ]
    }
    widgets = (
        WidgetFiles(
            name="chat",
            entry="chat/index.html",
            files=("chat/index.html", "assets/chat.js", "assets/vendor.js"),
        ),
        WidgetFiles(
            name="gallery",
            entry="gallery/index.html",
            files=("gallery/index.html", "assets/gallery.js", "assets/vendor.js"),
        ),
        WidgetFiles(
            name="@here|<b>`x`", entry="@here|<b>`x`/index.html", files=("@here|<b>`x`/index.html",)
        ),
    )
    problem = Problem(
        code="bundle-missing-asset",
        message="gallery/index.html:7 loads "
        "'/assets/<img src=x onerror=alert(1)>.js' — ping @octocat",
        path="dist/gallery/index.html",
        line=7,
        level="warning",
        source="bundles",
    )
    m = BundleMeasurement(
        root="dist",
        mode="html",
        widgets=widgets,
        files=files,
        compression=CompressionInfo(zlib_version="1.3.1", brotli_version="1.1.0"),
        problems=(problem,),
    )
    base = Record(
        recorded_at=NOW - timedelta(days=2),
        commit="0123456789abcdef",
        branch="main",
        bundles=BundleRecord(
            widgets={
                "chat": WidgetRecord(raw=1, gzip=136_000, brotli=1),
                "retired": WidgetRecord(raw=1, gzip=1, brotli=1),
            },
            total=SizeRecord(raw=1, gzip=300_000, brotli=1),
        ),
    )
    return evaluate(
        EngineInput(
            measurements=Measurements(bundles=m),
            policy=Policy(),
            now=NOW,
            history=[base],
            baseline=base,
            baseline_how="last record of branch main",
            commit="fedcba9876543210",
            branch="feature",
        )
    )


def test_markdown_golden() -> None:
    check_golden(GOLDEN / "verdict.md", render_markdown(_verdict()))


def test_terminal_golden() -> None:
    check_golden(GOLDEN / "verdict.txt", render_terminal(_verdict()))


def test_json_golden() -> None:
    check_golden(GOLDEN / "verdict.json", render_json(_verdict()))


def test_untrusted_names_stay_in_their_cell() -> None:
    text = render_markdown(_verdict())
    row = next(line for line in text.splitlines() if "here" in line and line.startswith("| "))
    assert row.count(" | ") == 7  # eight cells, no extra pipe from the name
    assert "@octocat" not in text and "@here" not in text
    assert "<img" not in text and "<b>" not in text


def test_terminal_output_never_forms_a_workflow_command() -> None:
    v = _verdict()
    assert v.bundles is not None
    hostile = v.bundles.widgets[0].model_copy(update={"name": "::add-mask::x\n::stop-commands::t"})
    bundles = v.bundles.model_copy(update={"widgets": [hostile, *v.bundles.widgets[1:]]})
    report = render_terminal(v.model_copy(update={"bundles": bundles}))
    # in GitHub Actions the command prints it inside stop-commands: nothing in it is obeyed
    assert runner_commands(printed(report, "f" * 32)) == ["stop-commands", "resume"]
    assert "::add-mask::x ::stop-commands::t" in report  # shown as typed, on one line


def test_terminal_golden_with_a_failing_test_id_that_can_be_pasted() -> None:
    text = render_terminal(Verdict.model_validate(BASE))
    check_golden(GOLDEN / "verdict-tests.txt", text)
    assert "failed: tests/test_cart.py::TestCart::test_total[2] (tests/test_cart.py:12)" in text


def test_the_comment_mentions_visual_tests_only_when_some_ran() -> None:
    """A project without visual tests is not told "Visual tests: 0 … no visual test ran"."""
    none_ran = render_markdown(Verdict.model_validate(BASE))
    assert "Visual tests" not in none_ran
    assert "1 failing test:" in none_ran  # the lead, in the right number
    visual = {"total": 4, "passed": 3, "failed": 1, "flaky": 0, "skipped": 0, "pass_rate": 0.75}
    tests = {**BASE["tests"], "visual": visual}
    some_ran = render_markdown(Verdict.model_validate({**BASE, "tests": tests}))
    assert (
        "Visual tests: 4 (3 passed, 1 failed, 0 flaky, 0 skipped); pass rate 75.00 %." in some_ran
    )


def test_sizes_taken_from_history_are_said_only_when_there_are_some() -> None:
    """A cold run says nothing of the history; a warm one says how many sizes came from it, in
    words that do not read as "unchanged against the baseline"."""
    v = _verdict()
    assert v.bundles is not None and v.bundles.cached_files == 0
    assert "from history" not in render_markdown(v) + render_terminal(v)
    for cached, said in (
        (1, "1 file's size was taken from history"),
        (7, "7 files' sizes were taken from history"),
    ):
        warm = v.model_copy(
            update={"bundles": v.bundles.model_copy(update={"cached_files": cached})}
        )
        tail = " (the same content was measured by an earlier check)"
        assert f"{said}{tail}." in render_markdown(warm)
        assert f"; {said}{tail}\n" in render_terminal(warm)
