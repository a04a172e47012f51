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


def test_pytest_xunit2_failures_point_at_the_module_and_the_tracebacks_line() -> None:
    """pytest's default report names no file: the listing takes the module from the classname
    and the line from "tests/test_sample.py:10: AssertionError", as xunit1's attributes do."""
    shown = {}
    for family in ("xunit1", "xunit2"):
        report = collect_tests(TestsPolicy(), FIXTURES, [f"pytest/pytest-{family}.xml"], [])
        shown[family] = {(f.key, f.file, f.line) for f in report.failures}
    assert ("tests/test_sample.py::test_fails", "tests/test_sample.py", 10) in shown["xunit2"]
    assert ("tests/test_sample.py::test_errors", "tests/test_sample.py", 25) in shown["xunit2"]
    assert shown["xunit2"] == shown["xunit1"]


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
    assert "after 2 reruns" in by_name["alwaysFails"].message
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
    assert "suite 'ghost' declares tests=6 but lists 0 test cases" in messages[10]
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
    assert "1 test case before that point is counted" in problem.message


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


_OLD_LINE_PATTERN = r"[:(](\d{1,7})"


@pytest.mark.parametrize(
    ("text", "file"),
    [
        ("at tests/a.spec.ts:12:5\nat tests/a.spec.ts:40:1", "tests/a.spec.ts"),
        ("a.spec.ts is fine; a.spec.ts(7) fails", "src\\a.spec.ts"),
        ("x.py x.py: x.py:123456789", "x.py"),
        ("aa.py:3 a.py:4", "a.py"),
        ("no reference here", "t.py"),
        ("t.py:", "t.py"),
        ("t.py:٣", "t.py"),
        ("", "t.py"),
        ("t.py:1", None),
        ("t.py:1", "dir/"),
        ("a.a.a:9", "a.a"),
    ],
)
def test_line_in_text_finds_what_the_per_case_pattern_found(text: str, file: str | None) -> None:
    import re

    from slo_gate.collectors.junit_case import line_in_text as _line_in_text

    expected: int | None = None
    base = (file or "").replace("\\", "/").rsplit("/", 1)[-1]
    if base:
        match = re.search(re.escape(base) + _OLD_LINE_PATTERN, text)
        expected = int(match.group(1)) if match else None
    assert _line_in_text(text, file) == expected


def _fold_both_ways(path: Path) -> tuple[object, object]:
    from slo_gate.collectors.tests.fold_junit import fold_junit_separate
    from slo_gate.collectors.tests.resolve import PathResolver
    from slo_gate.collectors.tests.tally import Tally

    results = []
    for visual_paths in ([], ["no/such/dir/**"]):  # paths in the policy: every case is yielded
        policy = TestsPolicy.model_validate({"visual": {"paths": visual_paths}})
        tally = Tally(policy, PathResolver(path.parent))
        junit = JUnitFile(path, path.name)
        fold_junit_separate(tally, junit)
        results.append(
            (
                tally.total(),
                tally.by_project(),
                tally.visual_counts(),
                tally.failing,
                junit.problems,
            )
        )
    return results[0], results[1]


@pytest.mark.parametrize(
    "name", sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.xml"))
)
def test_counting_plain_cases_in_bulk_changes_nothing_on_real_reports(name: str) -> None:
    bulk, one_by_one = _fold_both_ways(FIXTURES / name)
    assert bulk == one_by_one


def test_counting_plain_cases_in_bulk_keeps_projects_tags_skips_and_cut_files(
    tmp_path: Path,
) -> None:
    whole = """
        <testsuites id="" name="" tests="6">
          <testsuite name="a.spec.ts" hostname="chromium" tests="4">
            <testcase name="plain" classname="a.spec.ts"/>
            <testcase name="tagged @visual" classname="a.spec.ts"/>
            <testcase name="not run" classname="a.spec.ts" status="notrun"/>
            <testcase name="bad" classname="a.spec.ts"><failure message="x">a.spec.ts:3</failure>
            </testcase>
          </testsuite>
          <testsuite name="b.spec.ts" hostname="firefox" tests="2">
            <testcase name="plain" classname="b.spec.ts"/>
            <testcase name="plain 2" classname="b.spec.ts" result="skipped"/>
          </testsuite>
        </testsuites>
    """
    path = write(tmp_path, whole)
    bulk, one_by_one = _fold_both_ways(path)
    assert bulk == one_by_one
    text = textwrap.dedent(whole).strip()
    cut_at = text.index('<testcase name="plain 2"')
    cut = write(tmp_path, text[:cut_at], "cut.xml")
    bulk, one_by_one = _fold_both_ways(cut)
    assert bulk == one_by_one
    junit = JUnitFile(cut, cut.name)
    yielded = list(junit.cases(fold_plain=True))
    assert [c.name for c in yielded] == ["tagged @visual", "bad"]
    assert junit.plain == {
        ("passed", "chromium"): 1,
        ("skipped", "chromium"): 1,
        ("passed", "firefox"): 1,
    }
    assert junit.cases_read == 5


_SHAPES = [
    '<failure message="m">a.py:3 boom</failure>',
    '<failure message="same">same</failure><system-out>[[ATTACHMENT|x.png]]</system-out>',
    '<error message="e1"/><failure message="f"/><error message="e2" file="b.py" line="9"/>',
    '<skipped message="later"/><system-out>out</system-out><system-out>second</system-out>',
    "<system-out><failure>nested in output</failure></system-out>",
    "<properties><property name='a' value='b'/></properties>",
    "<system-err>only stderr</system-err>",
    '<failure line="x" file="">\n\n  trace a.py(12)\n</failure><skipped/>',
    '<failure message="   ">' + "y" * 20_000 + "</failure>",
    '<rerunFailure message="r">a.py:4</rerunFailure><failure message="f"/>',
    '<flakyFailure message="fl"><stackTrace>a.py:5</stackTrace></flakyFailure>',
]


@pytest.mark.parametrize("status", ["", ' status="notrun"'])
@pytest.mark.parametrize("shape", _SHAPES)
def test_results_read_directly_equal_junitparsers_reading(shape: str, status: str) -> None:
    from lxml import etree

    from slo_gate.collectors.junit_case import OpenSuite as _Suite
    from slo_gate.collectors.junit_case import rich_case as _rich_case

    elem = etree.fromstring(
        f'<testcase name="t" classname="a.py" line="2"{status}>{shape}</testcase>'
    )
    suite = _Suite(elem=None, name="a.py", project="p", file=None, pytest=True)
    direct = _rich_case(elem, suite, "t", "a.py")
    assert direct == _rich_case(elem, suite, "t", "a.py", direct=False)


@pytest.mark.parametrize(
    "name", sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.xml"))
)
def test_results_read_directly_equal_junitparsers_on_real_reports(name: str) -> None:
    from lxml import etree

    from slo_gate.collectors.junit_case import OpenSuite as _Suite
    from slo_gate.collectors.junit_case import rich_case as _rich_case

    suite = _Suite(elem=None, name="s.spec.ts", project=None, file="f.py", pytest=False)
    cases = [c for c in etree.parse(str(FIXTURES / name)).iter("testcase") if len(c)]
    assert cases
    for elem in cases:
        args = (elem, suite, elem.get("name") or "", elem.get("classname") or "")
        assert _rich_case(*args) == _rich_case(*args, direct=False)
