"""The streaming JUnit reader, over reports written by real runners and small hand-written ones."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from slo_gate.collectors.junit import JUnitCase, JUnitFile
from slo_gate.collectors.tests.collect import collect_tests
from slo_gate.collectors.tests.fold_junit import junit_key
from slo_gate.config.policy import TestsPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
REGEN = os.environ.get("SLO_GATE_REGEN_GOLDEN") == "1"


def read(path: Path) -> tuple[list[JUnitCase], JUnitFile]:
    junit = JUnitFile(path, path.name)
    return list(junit.cases()), junit


def write(tmp_path: Path, text: str, name: str = "report.xml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def outcomes(cases: list[JUnitCase]) -> dict[str, int]:
    found: dict[str, int] = {}
    for case in cases:
        found[case.outcome] = found.get(case.outcome, 0) + 1
    return found


# ------------------------------------------------------------------ reports from real runners

# Expected counts are the runners' own summaries, printed when the fixtures were produced:
#   pytest 9.0: "3 failed, 5 passed, 1 skipped, 1 xfailed, 1 error"  (xfail is a JUnit skip)
#   jest 30 + jest-junit: "Tests: 2 failed, 1 skipped, 4 passed, 7 total"
#   vitest 1: "Tests 2 failed | 4 passed | 1 skipped (7)"
#   mocha 10 + mocha-junit-reporter (includePending): "2 passing, 1 pending, 2 failing"
RUNNERS = [
    ("pytest/pytest-xunit1.xml", 11, 5, 3, 1, 2),
    ("pytest/pytest-xunit2.xml", 11, 5, 3, 1, 2),
    ("js/jest-junit.xml", 7, 4, 2, 0, 1),
    ("js/vitest-junit.xml", 7, 4, 2, 0, 1),
    ("js/mocha-junit-pending.xml", 5, 2, 2, 0, 1),
]


@pytest.mark.parametrize(("name", "total", "passed", "failed", "errored", "skipped"), RUNNERS)
def test_counts_match_the_runner_summary(
    name: str, total: int, passed: int, failed: int, errored: int, skipped: int
) -> None:
    report = collect_tests(TestsPolicy(), FIXTURES, [name], [])
    c = report.counts
    assert (c.total, c.passed, c.failed, c.errored, c.skipped, c.flaky) == (
        total,
        passed,
        failed,
        errored,
        skipped,
        0,
    )
    assert [p.code for p in report.problems] == []


def test_mocha_default_reporter_drops_pending_tests_and_says_so() -> None:
    # mocha printed "2 passing, 1 pending, 2 failing", but mocha-junit-reporter without
    # includePending leaves the pending test out while the root still declares it.
    report = collect_tests(TestsPolicy(), FIXTURES, ["js/mocha-junit.xml"], [])
    assert report.counts.total == 4
    assert report.counts.skipped == 0
    mismatches = [p for p in report.problems if p.code == "junit-count-mismatch"]
    assert mismatches
    assert all(p.level == "warning" and p.line for p in mismatches)
    assert any("tests=5 but lists 4" in p.message for p in mismatches)


def test_pytest_failure_points_at_the_failing_line() -> None:
    cases, junit = read(FIXTURES / "pytest" / "pytest-xunit1.xml")
    failing = {c.name: c for c in cases if c.outcome == "failed"}
    fails = failing["test_fails"]
    assert fails.file == "tests/test_sample.py"
    assert fails.line == 10  # "tests/test_sample.py:10: AssertionError" in the traceback
    assert "value mismatch" in fails.message
    errored = [c for c in cases if c.outcome == "errored"]
    assert [c.name for c in errored] == ["test_errors"]
    assert "fixture exploded" in errored[0].message
    assert junit.problems == []


def test_pytest_xunit2_has_no_file_attribute_but_keeps_the_message() -> None:
    cases, _ = read(FIXTURES / "pytest" / "pytest-xunit2.xml")
    fails = next(c for c in cases if c.name == "test_fails")
    assert fails.file is None
    assert fails.message.startswith("AssertionError: value mismatch")


def test_jest_failure_line_from_the_stack_trace() -> None:
    cases, _ = read(FIXTURES / "js" / "jest-junit.xml")
    fails = next(c for c in cases if c.name == "sum fails on purpose")
    assert fails.file == "src/sum.test.js"
    assert fails.line == 4  # "at Object.toBe (.../src/sum.test.js:4:54)"


def test_vitest_hostname_is_not_a_project() -> None:
    cases, _ = read(FIXTURES / "js" / "vitest-junit.xml")
    assert {c.project for c in cases} == {None}
    names = [c.name for c in cases]
    assert 'sum > renders <b>bold</b> & "quotes" @visual' in names


# ------------------------------------------------------------------ golden files


GOLDEN = [
    "pytest/pytest-xunit1.xml",
    "pytest/pytest-xunit2.xml",
    "js/jest-junit.xml",
    "js/vitest-junit.xml",
    "js/mocha-junit.xml",
    "js/mocha-junit-pending.xml",
]


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_report(name: str) -> None:
    report = collect_tests(TestsPolicy(), FIXTURES, [name], [])
    got = report.model_dump(mode="json")
    golden = FIXTURES / (name.rsplit(".", 1)[0] + ".golden.json")
    if REGEN:
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.is_file(), f"missing {golden}; run with SLO_GATE_REGEN_GOLDEN=1"
    assert got == json.loads(golden.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ flavours, hand-written


def test_surefire_flaky_failure_is_flaky_and_rerun_failure_is_failed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite name="com.example.RetryTest" tests="3" failures="1" errors="0">
          <testcase name="flakyOnce" classname="com.example.RetryTest">
            <flakyFailure message="first try" type="java.lang.AssertionError">
              <stackTrace>java.lang.AssertionError: first try
        at com.example.RetryTest.flakyOnce(RetryTest.java:21)</stackTrace>
            </flakyFailure>
          </testcase>
          <testcase name="flakyError" classname="com.example.RetryTest">
            <flakyError message="boom" type="java.io.IOException"/>
          </testcase>
          <testcase name="alwaysFails" classname="com.example.RetryTest">
            <failure message="still broken" type="java.lang.AssertionError">trace</failure>
            <rerunFailure message="still broken" type="java.lang.AssertionError"/>
            <rerunFailure message="still broken" type="java.lang.AssertionError"/>
          </testcase>
        </testsuite>
        """,
    )
    cases, junit = read(path)
    by_name = {c.name: c for c in cases}
    assert by_name["flakyOnce"].outcome == "flaky"
    assert by_name["flakyOnce"].attempts == 2
    assert "first try" in by_name["flakyOnce"].message
    assert by_name["flakyError"].outcome == "flaky"
    assert by_name["alwaysFails"].outcome == "failed"
    assert by_name["alwaysFails"].attempts == 3
    assert "after 2 rerun(s)" in by_name["alwaysFails"].message
    assert junit.problems == []


def test_several_results_in_one_case_error_beats_failure_beats_skip(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        <testsuites><testsuite name="s">
          <testcase classname="c" name="a">
            <skipped/><failure message="f"/><error message="e"/>
          </testcase>
          <testcase classname="c" name="b"><skipped/><failure message="f"/></testcase>
          <testcase classname="c" name="c"><skipped/></testcase>
          <testcase classname="c" name="d"/>
        </testsuite></testsuites>
        """,
    )
    cases, _ = read(path)
    assert [c.outcome for c in cases] == ["errored", "failed", "skipped", "passed"]


def test_status_attributes_mark_skips(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        <testsuites><testsuite name="gtest">
          <testcase name="A" status="run" result="completed" classname="S"/>
          <testcase name="B" status="notrun" classname="S"/>
          <testcase name="C" status="run" result="skipped" classname="S"/>
          <testcase name="D" status='disabled' classname="S"/>
        </testsuite></testsuites>
        """,
    )
    cases, _ = read(path)
    assert [c.outcome for c in cases] == ["passed", "skipped", "skipped", "skipped"]


def test_nested_suites_add_up_and_mismatch_names_suite_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        <?xml version="1.0"?>
        <testsuites tests="4">
          <testsuite name="outer" tests="3" failures="1">
            <testcase classname="o" name="one"/>
            <testsuite name="inner" tests="2">
              <testcase classname="i" name="two"><failure message="x"/></testcase>
              <testcase classname="i" name="three"/>
            </testsuite>
          </testsuite>
          <testsuite name="ghost" tests="6" failures="1" skipped="2"></testsuite>
        </testsuites>
        """,
    )
    cases, junit = read(path)
    assert [(c.suite, c.name) for c in cases] == [
        ("outer", "one"),
        ("inner", "two"),
        ("inner", "three"),
    ]
    messages = {p.line: p.message for p in junit.problems}
    assert set(messages) == {2, 10}
    assert "suite 'ghost' declares tests=6 but lists 0 test case(s)" in messages[10]
    assert "<testsuites> declares tests=4 but lists 3" in messages[2]
    assert all(p.code == "junit-count-mismatch" for p in junit.problems)
    assert all(p.path == "report.xml" for p in junit.problems)


def test_testcase_directly_under_root_and_bare_testsuite_root(tmp_path: Path) -> None:
    a = write(tmp_path, '<testsuite name="solo"><testcase name="t"/></testsuite>', "a.xml")
    b = write(tmp_path, '<testsuites><testcase name="loose"/></testsuites>', "b.xml")
    assert [(c.suite, c.outcome) for c in read(a)[0]] == [("solo", "passed")]
    assert [(c.suite, c.outcome) for c in read(b)[0]] == [("", "passed")]


def test_playwright_junit_hostname_is_the_project_and_attachments_are_linked(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
        <testsuites id="" name="" tests="2" failures="1" skipped="0" errors="0" time="1.0">
        <testsuite name="visual/home.spec.ts" hostname="chromium" tests="2" failures="1">
        <testcase name="home › hero @visual" classname="visual/home.spec.ts" time="1.0">
        <failure message="home.spec.ts:9:5 hero" type="FAILURE">Error: screenshot differs
            at /ci/app/tests/visual/home.spec.ts:9:24</failure>
        <system-out>
        [[ATTACHMENT|home-hero-chromium/hero-expected.png]]
        [[ATTACHMENT|home-hero-chromium/hero-actual.png]]
        [[ATTACHMENT|home-hero-chromium/hero-diff.png]]
        </system-out>
        </testcase>
        <testcase name="home › title" classname="visual/home.spec.ts" time="0.1"></testcase>
        </testsuite>
        </testsuites>
        """,
    )
    cases, junit = read(path)
    assert [c.project for c in cases] == ["chromium", "chromium"]
    hero = cases[0]
    assert hero.attachments == (
        "home-hero-chromium/hero-expected.png",
        "home-hero-chromium/hero-actual.png",
        "home-hero-chromium/hero-diff.png",
    )
    assert hero.line == 9
    assert (
        junit_key(hero)
        == "visual/home.spec.ts::visual/home.spec.ts::home › hero @visual [chromium]"
    )
    assert junit.problems == []


def test_corpus_style_playwright_junit_projects(tmp_path: Path) -> None:
    suites = "".join(
        f'<testsuite name="example.spec.ts" hostname="{p}" tests="1">'
        '<testcase name="has title" classname="example.spec.ts"></testcase></testsuite>'
        for p in ("chromium", "firefox", "webkit")
    )
    write(tmp_path, f'<testsuites id="" name="">{suites}</testsuites>')
    report = collect_tests(TestsPolicy(), tmp_path, ["report.xml"], [])
    assert {k: v.total for k, v in report.by_project.items()} == {
        "chromium": 1,
        "firefox": 1,
        "webkit": 1,
    }


def test_unparsable_count_attributes_are_ignored_not_negative(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<testsuite name="s" tests="-3" failures="lots"><testcase name="a"/></testsuite>',
    )
    cases, junit = read(path)
    assert len(cases) == 1
    assert junit.problems == []


def test_truncated_file_keeps_what_was_read_and_names_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        <testsuite name="s">
          <testcase name="a"/>
          <testcase name="b"><failure message="x">
        """,
    )
    cases, junit = read(path)
    assert [c.name for c in cases] == ["a"]
    [problem] = junit.problems
    assert problem.code == "xml-malformed"
    assert problem.line is not None
    assert "1 test case(s) before that point are counted" in problem.message


def test_huge_text_needs_the_policy(tmp_path: Path) -> None:
    body = "x" * 11_000_000  # above libxml2's 10 MB text limit without huge_tree
    path = tmp_path / "big.xml"
    path.write_text(
        f'<testsuite name="s"><testcase name="a"><failure>{body}</failure></testcase></testsuite>',
        encoding="utf-8",
    )
    cases, junit = read(path)
    assert cases == []
    assert [p.code for p in junit.problems] == ["xml-malformed"]
    assert "tests.huge_tree" in junit.problems[0].message
    allowed = JUnitFile(path, "big.xml", huge_tree_limit=20_000_000)
    got = list(allowed.cases())
    assert [c.outcome for c in got] == ["failed"]
    assert len(got[0].message) <= 16_000
    small_limit = JUnitFile(path, "big.xml", huge_tree_limit=1_000)
    assert list(small_limit.cases()) == []
