"""collect_tests: globs inside the workspace, retries policy, keys, annotations as data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slo_gate.collectors.tests import find, tally
from slo_gate.collectors.tests.collect import collect_tests
from slo_gate.collectors.tests.tally import path_matches
from slo_gate.config.policy import TestsPolicy
from slo_gate.render.annotations import failure_annotations

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"

RETRIES = """<testsuite name="S">
  <testcase classname="C" name="flips" file="t.py"><failure message="first"/></testcase>
  <testcase classname="C" name="flips" file="t.py"/>
  <testcase classname="C" name="broken" file="t.py"><failure message="one"/></testcase>
  <testcase classname="C" name="broken" file="t.py"><error message="two"/></testcase>
  <testcase classname="D" name="flips" file="t.py"/>
  <testcase classname="C" name="skip"><skipped/></testcase>
  <testcase classname="C" name="skip"><skipped/></testcase>
</testsuite>
"""


def workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_repeated_cases_are_separate_runs_by_default(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"r.xml": RETRIES})
    c = collect_tests(TestsPolicy(), ws, ["r.xml"], []).counts
    assert (c.total, c.passed, c.failed, c.errored, c.skipped, c.flaky) == (7, 2, 2, 1, 2, 0)


def test_repeated_cases_as_retries_when_the_policy_says_so(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"r.xml": RETRIES})
    policy = TestsPolicy(junit_retries="repeated-cases")
    report = collect_tests(policy, ws, ["r.xml"], [])
    c = report.counts
    # S::C::flips failed then passed -> flaky; S::C::broken failed twice (last: error);
    # S::D::flips is another class; S::C::skip skipped twice
    assert (c.total, c.passed, c.failed, c.errored, c.skipped, c.flaky) == (4, 2, 0, 1, 1, 1)
    assert {(f.key, f.outcome, f.message) for f in report.failures} == {
        ("S::C::flips", "flaky", "first"),
        ("S::C::broken", "errored", "two"),
    }


def test_glob_matching_nothing_is_a_problem_and_cli_globs_win(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path, {"reports/a.xml": '<testsuite name="s"><testcase name="a"/></testsuite>'}
    )
    policy = TestsPolicy(junit=["reports/*.xml"], playwright=["missing/*.json"])
    report = collect_tests(policy, ws, [], [])
    assert report.counts.total == 1
    [problem] = report.problems
    assert problem.code == "tests-report-missing"
    assert "'missing/*.json'" in problem.message and "--playwright" in problem.message
    cli = collect_tests(policy, ws, ["nothing.xml"], ["reports/none.json"])
    assert cli.counts.total == 0
    assert [p.code for p in cli.problems] == ["tests-report-missing", "tests-report-missing"]


@pytest.mark.parametrize(
    ("count", "files"), [(1, "1 test report file"), (2, "2 test report files")]
)
def test_reports_without_a_test_are_a_named_warning(tmp_path: Path, count: int, files: str) -> None:
    empty = '<testsuites><testsuite name="s" tests="0"/></testsuites>'
    ws = workspace(tmp_path, {f"reports/{i}.xml": empty for i in range(count)})
    report = collect_tests(TestsPolicy(junit=["reports/*.xml"]), ws, [], [])
    [problem] = report.problems
    assert (problem.code, problem.level) == ("tests-none-found", "warning")
    assert problem.message.startswith(f"no test in the {files} read: the tests SLO has no data")


def test_nothing_configured_is_no_data_not_a_problem(tmp_path: Path) -> None:
    report = collect_tests(TestsPolicy(), tmp_path, [], [])
    assert report.counts.total == 0 and report.problems == () and report.files == ()


def test_paths_outside_the_workspace_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    ws = tmp_path / "ws"
    workspace(outside, {"secret.xml": '<testsuite name="s"><testcase name="a"/></testsuite>'})
    ws.mkdir()
    (ws / "link.xml").symlink_to(outside / "secret.xml")
    report = collect_tests(TestsPolicy(), ws, ["../outside/*.xml", "link.xml"], [])
    assert report.counts.total == 0
    assert [p.code for p in report.problems] == ["tests-path-outside-workspace"] * 2
    absolute = collect_tests(TestsPolicy(), ws, [str(outside / "secret.xml")], [])
    assert [p.code for p in absolute.problems] == ["tests-path-outside-workspace"]


def test_files_matched_twice_are_read_once(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"r/a.xml": '<testsuite name="s"><testcase name="a"/></testsuite>'})
    report = collect_tests(TestsPolicy(), ws, ["r/*.xml", "r/**/*.xml", "r/a.xml"], [])
    assert report.counts.total == 1 and report.files == ("r/a.xml",)


def test_annotations_follow_github_limits(tmp_path: Path) -> None:
    long_name = "n" * 400 + "\U0001f600"
    huge = "line\n" * 20_000 + "\U0001f4a5 end"
    xml = (
        f'<testsuite name="s"><testcase classname="c" name="{long_name}" file="src/t.py">'
        f'<failure message="boom">{huge}</failure></testcase></testsuite>'
    )
    ws = workspace(tmp_path, {"r.xml": xml, "src/t.py": "x = 1\n"})
    report = collect_tests(TestsPolicy(), ws, ["r.xml"], [])
    [ann] = failure_annotations(report.failures)
    assert len(ann.title) <= 255
    assert len(ann.message.encode("utf-8")) <= 64 * 1024
    assert all(ord(ch) <= 0xFFFF for ch in ann.title + ann.message)
    assert ann.path == "src/t.py" and ann.level == "failure"
    [failure] = report.failures
    assert failure.message.startswith("boom\nline") and failure.file == "src/t.py"


def test_annotation_falls_back_to_the_report_line(tmp_path: Path) -> None:
    xml = (
        '<testsuite name="s">\n<testcase classname="c" name="a" file="/elsewhere/gone.py">\n'
        '<failure message="x"/></testcase></testsuite>'
    )
    ws = workspace(tmp_path, {"r.xml": xml})
    [ann] = failure_annotations(collect_tests(TestsPolicy(), ws, ["r.xml"], []).failures)
    assert (ann.path, ann.start_line) == ("r.xml", 2)
    assert "/elsewhere/gone.py is not in the workspace" in ann.message


def test_absolute_ci_paths_resolve_to_workspace_files(tmp_path: Path) -> None:
    xml = (
        '<testsuite name="pytest"><testcase classname="t" name="a" '
        'file="/home/runner/work/app/app/tests/test_a.py" line="4">'
        '<failure message="x">no location here</failure></testcase></testsuite>'
    )
    ws = workspace(tmp_path, {"r.xml": xml, "tests/test_a.py": "\n" * 10})
    [ann] = failure_annotations(collect_tests(TestsPolicy(), ws, ["r.xml"], []).failures)
    assert (ann.path, ann.start_line) == ("tests/test_a.py", 5)  # pytest's line is 0-based


def test_failures_kept_are_bounded_counts_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tally, "MAX_FAILURES", 3)
    cases = "".join(f'<testcase name="t{i}"><failure/></testcase>' for i in range(10))
    ws = workspace(tmp_path, {"r.xml": f'<testsuite name="s">{cases}</testsuite>'})
    report = collect_tests(TestsPolicy(), ws, ["r.xml"], [])
    assert report.counts.failed == 10 and len(report.failures) == 3
    assert [p.code for p in report.problems] == ["tests-failures-truncated"]


def test_visual_tags_match_both_spellings(tmp_path: Path) -> None:
    xml = (
        '<testsuite name="s"><testcase name="menu @visual"/><testcase name="plain"/>'
        '<testcase name="x @Visual2"/></testsuite>'
    )
    ws = workspace(tmp_path, {"r.xml": xml})
    for tags in (["@visual"], ["visual"]):
        policy = TestsPolicy.model_validate({"visual": {"tags": tags}})
        assert collect_tests(policy, ws, ["r.xml"], []).visual.total == 1


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("tests/visual/**", "tests/visual/a/b.spec.ts", True),
        ("tests/visual/**", "tests/visualx/b.spec.ts", False),
        ("**/*.visual.ts", "a/b/c.visual.ts", True),
        ("**/*.visual.ts", "c.visual.ts", True),
        ("src/*.ts", "src/a/b.ts", False),
        ("src/?.ts", "src/a.ts", True),
        ("tests/{visual,screens}/**", "tests/screens/a.spec.ts", True),
        ("tests/{visual,screens}/**", "tests/unit/a.spec.ts", False),
    ],
)
def test_path_matches(pattern: str, path: str, hit: bool) -> None:
    assert path_matches(pattern, path) is hit


def test_report_globs_walk_bounded_and_never_raise(tmp_path: Path) -> None:
    """Issue 12: report globs used glob.glob(recursive=True) and Path.resolve(): a symlink loop
    raised, a directory link to '.' made '**' run forever, a FIFO blocked the reader."""
    xml = '<testsuite name="s"><testcase name="a"/></testsuite>'
    ws = workspace(tmp_path, {"reports/a.xml": xml, "reports/deep/b.xml": xml})
    reports = ws / "reports"
    (reports / "loop.xml").symlink_to("loop.xml")
    (reports / "up").symlink_to(".", target_is_directory=True)
    (reports / "deep" / "again").symlink_to("..", target_is_directory=True)
    os.mkfifo(reports / "pipe.xml")
    report = collect_tests(TestsPolicy(), ws, ["reports/**/*.xml"], [])
    assert report.files == ("reports/a.xml", "reports/deep/b.xml")
    assert report.counts.total == 2
    codes = sorted(p.code for p in report.problems)
    assert codes == ["path-link-loop", "path-special-file"]
    absolute = collect_tests(TestsPolicy(), ws, [str(ws / "reports" / "*.xml")], [])
    assert absolute.files == ("reports/a.xml",)
    assert sorted(p.code for p in absolute.problems) == codes  # the loop and the FIFO match too


def test_report_globs_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xml = '<testsuite name="s"><testcase name="a"/></testsuite>'
    ws = workspace(tmp_path, {f"r/{n}.xml": xml for n in range(5)})
    monkeypatch.setattr(find, "MAX_MATCHES", 3)
    report = collect_tests(TestsPolicy(), ws, ["r/*.xml"], ["", "x\x00.json"])
    assert report.counts.total == 3
    assert sorted(p.code for p in report.problems) == [
        "tests-bad-pattern",
        "tests-bad-pattern",
        "tests-too-many-reports",
    ]
