"""``collect_tests``: every configured JUnit and Playwright report into one ``TestReport``.

Repeated JUnit test cases are separate runs unless the policy says
``tests.junit_retries: repeated-cases``; then they are attempts of one test and a test that
failed and later passed is flaky. Failure messages are kept up to GitHub's annotation size.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from slo_gate.collectors.junit import JUnitFile
from slo_gate.collectors.tests.find import find_reports
from slo_gate.collectors.tests.fold_junit import (
    Group,
    flush_groups,
    fold_junit_grouped,
    fold_junit_separate,
)
from slo_gate.collectors.tests.resolve import PathResolver
from slo_gate.collectors.tests.tally import MAX_FAILURES, Failing, Tally, problem
from slo_gate.config.policy import TestsPolicy
from slo_gate.formatting import counted, is_are
from slo_gate.measurements import Problem, TestFailure, TestReport
from slo_gate.text import ELLIPSIS, clean_text, truncate_utf8

#: GitHub's limit for one annotation's message (the failure message is kept up to it)
MAX_MESSAGE_BYTES = 64 * 1024 - 1


def collect_tests(
    policy: TestsPolicy,
    workspace: Path,
    junit_globs: Sequence[str],
    playwright_globs: Sequence[str],
) -> TestReport:
    """Read every configured test report into one ``TestReport``.

    ``junit_globs`` / ``playwright_globs`` are the command line's ``--junit`` / ``--playwright``;
    when one is empty the policy's ``tests.junit`` / ``tests.playwright`` is used instead.
    """
    resolver = PathResolver(workspace)
    tally = Tally(policy, resolver)
    problems: list[Problem] = []
    files: list[str] = []
    junit_files, found = find_reports(workspace, list(junit_globs or policy.junit), "junit")
    problems.extend(found)
    pw_files, found = find_reports(
        workspace, list(playwright_globs or policy.playwright), "playwright"
    )
    problems.extend(found)
    root = workspace.resolve()
    groups: dict[str, Group] = {}
    for path in junit_files:
        display = path.relative_to(root).as_posix()
        files.append(display)
        junit = JUnitFile(path, display, huge_tree_limit=policy.huge_tree)
        if policy.junit_retries == "repeated-cases":
            fold_junit_grouped(groups, tally, junit)
        else:
            fold_junit_separate(tally, junit)
        problems.extend(junit.problems)
    flush_groups(groups, tally)
    _fold_playwright_files(tally, pw_files, root, files, problems)
    if files and tally.total().total == 0:
        problems.append(
            problem(
                "tests-none-found",
                f"no test in the {counted(len(files), 'test report file')} read: the tests SLO "
                "has no data. Fix: check that the test step ran its tests",
                None,
                level="warning",
            )
        )
    if tally.dropped:
        problems.append(
            problem(
                "tests-failures-truncated",
                f"{counted(tally.dropped, 'more failing or flaky test')} "
                f"{is_are(tally.dropped)} counted but not listed "
                f"(the first {MAX_FAILURES} are)",
                None,
                level="notice",
            )
        )
    return TestReport(
        counts=tally.total(),
        by_project=tally.by_project(),
        visual=tally.visual_counts(),
        failures=tuple(_failure(item, resolver) for item in tally.failing),
        files=tuple(files),
        problems=tuple(problems),
    )


def _fold_playwright_files(
    tally: Tally, paths: Sequence[Path], root: Path, files: list[str], problems: list[Problem]
) -> None:
    if not paths:
        return
    # the Playwright reader and its models are imported only for a run that has its reports
    from slo_gate.collectors.playwright import read_playwright
    from slo_gate.collectors.tests.fold_playwright import fold_playwright

    seen: dict[str, str] = {}
    for path in paths:
        display = path.relative_to(root).as_posix()
        files.append(display)
        report = read_playwright(path, display)
        problems.extend(report.problems)
        fold_playwright(tally, report.tests, display, report.root_dir, seen, problems)


def _failure(item: Failing, resolver: PathResolver) -> TestFailure:
    source = resolver.resolve(item.file)
    return TestFailure(
        key=item.key,
        message=truncate_utf8(item.message, MAX_MESSAGE_BYTES, ELLIPSIS),
        file=source or item.file,
        line=item.line,
        title=clean_text(item.title),
        in_workspace=source is not None,
        report=item.report,
        report_line=item.report_line,
        outcome=item.outcome,
        project=item.project,
        visual=item.visual,
        attachments=tuple(resolver.resolve(a) or a for a in item.attachments),
    )
