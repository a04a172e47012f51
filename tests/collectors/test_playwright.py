"""Playwright JSON reports: the hand-written fixture (modelled on the corpus) and defects."""

from __future__ import annotations

import json
from pathlib import Path

from slo_gate.collectors.playwright import read_playwright
from slo_gate.collectors.tests.collect import collect_tests
from slo_gate.collectors.tests.fold_playwright import playwright_key
from slo_gate.config.policy import TestsPolicy, VisualSelector
from slo_gate.measurements import TestCounts
from slo_gate.render.annotations import failure_annotations
from slo_gate.text import strip_ansi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
REPORT = FIXTURES / "playwright" / "report.json"


def test_status_decides_per_test_and_project() -> None:
    # 6 specs x 2 projects; stats in the file: expected 7, skipped 2, unexpected 2, flaky 1
    report = collect_tests(TestsPolicy(), FIXTURES, [], ["playwright/report.json"])
    assert report.counts == TestCounts(total=12, passed=8, failed=2, errored=0, skipped=2, flaky=1)
    assert report.by_project == {
        "chromium": TestCounts(total=6, passed=4, failed=2, skipped=0, flaky=1),
        "firefox": TestCounts(total=6, passed=4, failed=0, skipped=2, flaky=0),
    }
    # a test.fail() that failed as expected passed; a timed-out attempt is a failure
    keys = {f.key: f for f in report.failures}
    assert set(keys) == {
        "[chromium] › visual/home.spec.ts:8 › home page › hero matches baseline",
        "[chromium] › visual/home.spec.ts:14 › home page › footer matches baseline",
        "[chromium] › e2e/login.spec.ts:15 › rejects a bad password",
    }
    footer = keys["[chromium] › visual/home.spec.ts:14 › home page › footer matches baseline"]
    assert footer.outcome == "flaky"


def test_ansi_is_stripped_and_location_and_screenshots_are_linked() -> None:
    pw = read_playwright(REPORT, "report.json")
    hero = next(t for t in pw.tests if t.titles[-1] == "hero matches baseline")
    assert "\x1b" not in hero.message
    assert hero.message.startswith("expect(page).toHaveScreenshot(expected)")
    assert (hero.location_file, hero.location_line) == ("/ci/app/tests/visual/home.spec.ts", 9)
    assert hero.screenshot_compared
    assert [a.rsplit("/", 1)[-1] for a in hero.attachments] == [
        "hero-chromium-linux.png",
        "hero-actual.png",
        "hero-diff.png",
    ]
    timeout = next(t for t in pw.tests if t.titles[-1] == "rejects a bad password")
    assert timeout.message == "Test timeout of 30000ms exceeded."
    # Playwright's own form: `npx playwright test e2e/login.spec.ts:15` runs it
    assert playwright_key(timeout) == "[chromium] › e2e/login.spec.ts:15 › rejects a bad password"


def test_global_errors_become_problems_without_colour() -> None:
    pw = read_playwright(REPORT, "report.json")
    [problem] = pw.problems
    assert problem.code == "playwright-run-error"
    assert problem.line == 7
    assert "global setup could not reach the seed server" in problem.message
    assert "\x1b" not in problem.message


def test_visual_by_screenshot_and_tag_then_by_path(tmp_path: Path) -> None:
    by_default = collect_tests(TestsPolicy(), FIXTURES, [], ["playwright/report.json"])
    # hero/footer on chromium compared screenshots; "menu renders" carries the tag "visual"
    v = by_default.visual
    assert (v.total, v.passed, v.failed, v.flaky, v.skipped) == (4, 2, 1, 1, 1)
    assert v.pass_rate == 2 / 3
    # with visual.paths the firefox runs of tests/visual/ count too, once the spec file is
    # found in the workspace (the report carries the CI machine's absolute rootDir)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "pw.json").write_bytes(REPORT.read_bytes())
    (tmp_path / "tests" / "visual").mkdir(parents=True)
    (tmp_path / "tests" / "visual" / "home.spec.ts").write_text("// spec\n")
    policy = TestsPolicy(visual=VisualSelector(paths=["tests/visual/**"], tags=[]))
    report = collect_tests(policy, tmp_path, [], ["reports/pw.json"])
    v = report.visual
    assert (v.total, v.passed, v.failed, v.flaky, v.skipped) == (4, 3, 1, 1, 0)
    hero = next(a for a in failure_annotations(report.failures) if "hero" in a.title)
    assert (hero.path, hero.start_line) == ("tests/visual/home.spec.ts", 9)


def test_merged_shards_equal_the_whole_run() -> None:
    whole = collect_tests(TestsPolicy(), FIXTURES, [], ["playwright/report.json"])
    shards = collect_tests(TestsPolicy(), FIXTURES, [], ["playwright/shard-*.json"])
    assert shards.counts == whole.counts
    assert shards.by_project == whole.by_project
    assert shards.files == ("playwright/shard-1.json", "playwright/shard-2.json")
    both = collect_tests(TestsPolicy(), FIXTURES, [], ["playwright/*.json"])
    assert both.counts.total == 24
    assert "playwright-duplicate-tests" in [p.code for p in both.problems]


def test_zero_byte_report_is_the_known_playwright_failure(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_bytes(b"")
    pw = read_playwright(tmp_path / "r.json", "r.json")
    [problem] = pw.problems
    assert problem.code == "playwright-empty-report"
    assert "merge-reports" in problem.message


def test_json_that_is_not_a_report(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps({"settings": {"secret": "s3cr3t"}, "tests": []}))
    [problem] = read_playwright(tmp_path / "r.json", "r.json").problems
    assert problem.code == "playwright-not-a-report"
    assert "config" in problem.message and "suites" in problem.message
    assert "s3cr3t" not in problem.message
    (tmp_path / "l.json").write_text("[1, 2, 3]")
    assert [p.code for p in read_playwright(tmp_path / "l.json", "l.json").problems] == [
        "playwright-not-a-report"
    ]
    (tmp_path / "b.json").write_text("{nope")
    assert [p.code for p in read_playwright(tmp_path / "b.json", "b.json").problems] == [
        "playwright-invalid-json"
    ]


def test_tolerates_missing_and_unknown_fields_and_derives_a_missing_status(
    tmp_path: Path,
) -> None:
    report = {
        "config": {"brandNew": 1},
        "suites": [
            {
                "title": "a.spec.ts",
                "specs": [
                    {
                        "title": "retried",
                        "tests": [
                            {
                                "projectName": "p",
                                "results": [{"status": "failed"}, {"status": "passed"}],
                            }
                        ],
                    },
                    {"title": "no status", "tests": [{"results": [{"status": "timedOut"}]}]},
                ],
            }
        ],
    }
    (tmp_path / "r.json").write_text(json.dumps(report))
    pw = read_playwright(tmp_path / "r.json", "r.json")
    assert [(t.outcome, t.file, t.project) for t in pw.tests] == [
        ("flaky", "a.spec.ts", "p"),
        ("failed", "a.spec.ts", ""),
    ]
    assert [p.code for p in pw.problems] == ["playwright-status-missing"]


def test_strip_ansi() -> None:
    assert strip_ansi("\x1b[31mred\x1b[39m \x1b]8;;http://x\x07link\x1b]8;;\x07") == "red link"
