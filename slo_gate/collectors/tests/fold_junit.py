"""JUnit XML test cases folded into the tally: keys, titles, source files, visual tests, and
the two retry rules (every case a run, or repeated cases as attempts of one test)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from slo_gate.collectors.junit import JUnitCase, JUnitFile
from slo_gate.collectors.junit_case import line_in_text
from slo_gate.collectors.tests.resolve import PathResolver
from slo_gate.collectors.tests.tally import BadOutcome, Failing, Outcome, Tally
from slo_gate.text import clean_text

_PATHLIKE = re.compile(
    r"(?:^|/)[^/\s]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kts?|cs|php|rs|swift|scala|feature)$"
)
_NAME_TAG = re.compile(r"(?<!\S)@([\w:.\-/]+)")


@dataclass
class Group:
    """Repeated JUnit cases taken as attempts of one test (``junit_retries: repeated-cases``)."""

    passed: bool = False
    failed: bool = False
    skipped_only: bool = True
    flaky: bool = False
    last_bad: Literal["failed", "errored"] = "failed"
    first_failing: Failing | None = None
    last_failing: Failing | None = None
    project: str | None = None
    visual: bool = False


def junit_key(case: JUnitCase, resolver: PathResolver | None = None) -> str:
    """The test's id in its runner's own form, so that it can be pasted into the runner.

    pytest: ``path::Class::test[param]`` (from the ``file`` attribute, or the dotted classname
    matched against the workspace's files); jest (jest-junit's default, whose name starts with
    the classname): the full name; otherwise ``suite::class::name``. Playwright's JUnit output
    adds ``[project]``.
    """
    if case.suite == "pytest" and case.classname:
        key = _pytest_id(case, resolver)
    elif case.classname and case.name.startswith(case.classname + " "):
        key = case.name  # jest-junit: "{classname} {title}", jest's full name
    else:
        key = f"{case.suite}::{case.classname}::{case.name}"
    return f"{key} [{case.project}]" if case.project else key


def _pytest_id(case: JUnitCase, resolver: PathResolver | None) -> str:
    """``tests/test_a.py::TestA::test_b[x]`` from ``classname="tests.test_a.TestA"``."""
    parts = case.classname.split(".")
    split = None
    if case.file and case.file.endswith(".py"):
        module = case.file.removesuffix(".py").replace("\\", "/").split("/")
        if parts[: len(module)] == module:
            split = len(module)
    if split is None and resolver is not None:
        split = next(
            (
                i
                for i in range(len(parts), 0, -1)
                if resolver.resolve("/".join(parts[:i]) + ".py") is not None
            ),
            None,
        )
    if split is None:  # classes are capitalised, modules are not
        split = len(parts)
        while split > 1 and parts[split - 1][:1].isupper():
            split -= 1
    path = "/".join(parts[:split]) + ".py"
    return "::".join([path, *parts[split:], case.name])


def _junit_title(case: JUnitCase) -> str:
    who = f"{case.classname} › {case.name}" if case.classname else case.name
    return f"{who} [{case.project}]" if case.project else who


def _junit_path(case: JUnitCase) -> str | None:
    """The test's source file: a ``file`` attribute, else a suite or class name shaped as a path."""
    if case.file:
        return case.file
    for candidate in (case.suite, case.classname):
        if candidate and _PATHLIKE.search(candidate.replace("\\", "/")):
            return candidate
    return None


def _junit_failing(
    case: JUnitCase, display: str, visual: bool, resolver: PathResolver | None = None
) -> Failing:
    outcome: BadOutcome = (
        "errored" if case.outcome == "errored" else "flaky" if case.outcome == "flaky" else "failed"
    )
    key = junit_key(case, resolver)
    file, line = _junit_path(case), case.line
    if file is None and case.suite == "pytest" and case.classname:
        # pytest's default report (xunit2) names no file: the id starts with the module found
        # for the classname, and the traceback's "tests/test_a.py:8: AssertionError" gives the line
        file = key.split("::", 1)[0]
        line = line if line is not None else line_in_text(case.message, file)
    return Failing(
        key=key,
        title=_junit_title(case),
        outcome=outcome,
        message=clean_text(case.message),
        file=file,
        line=line,
        project=case.project,
        visual=visual,
        attachments=case.attachments,
        report=display,
        report_line=case.report_line,
    )


def _junit_visual(tally: Tally, case: JUnitCase) -> bool:
    screenshots = any(_is_screenshot(a) for a in case.attachments) if case.attachments else False
    tags = _NAME_TAG.findall(case.name) if "@" in case.name else ()
    if not screenshots and not tags and not tally.visual_paths:
        return False
    return tally.is_visual(_junit_path(case), tags, screenshots)


def _is_screenshot(path: str) -> bool:
    lowered = path.lower()
    return any(
        lowered.endswith(f"-{kind}.{ext}")
        for kind in ("expected", "actual", "diff")
        for ext in ("png", "jpg", "jpeg")
    )


def fold_junit_separate(tally: Tally, junit: JUnitFile) -> None:
    """Default: every ``<testcase>`` is its own run.

    Without visual paths in the policy a plain case (no result elements, no tag) cannot be a
    visual test, so the reader only counts those (``fold_plain``) and they are added at the end.
    """
    for case in junit.cases(fold_plain=not tally.visual_paths):
        outcome = case.outcome
        visual = _junit_visual(tally, case)
        tally.add(outcome, case.project, visual)
        if outcome != "passed" and outcome != "skipped":
            if tally.full:  # counted, not listed: nothing to build
                tally.dropped += 1
            else:
                tally.keep(_junit_failing(case, junit.display, visual, tally.resolver))
    for (outcome, project), n in junit.plain.items():
        tally.add(outcome, project, False, n)


def fold_junit_grouped(groups: dict[str, Group], tally: Tally, junit: JUnitFile) -> None:
    """``repeated-cases``: cases with the same key are attempts of one test."""
    for case in junit.cases():
        key = junit_key(case, tally.resolver)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(project=case.project)
        group.visual = group.visual or _junit_visual(tally, case)
        outcome = case.outcome
        if outcome == "skipped":
            continue
        group.skipped_only = False
        if outcome in ("passed", "flaky"):
            group.passed = True
            group.flaky = group.flaky or outcome == "flaky"
            if outcome == "flaky" and group.first_failing is None:
                group.first_failing = _junit_failing(case, junit.display, False, tally.resolver)
            continue
        failing = _junit_failing(case, junit.display, False, tally.resolver)
        group.failed = True
        group.last_bad = "errored" if outcome == "errored" else "failed"
        group.first_failing = group.first_failing or failing
        group.last_failing = failing


def flush_groups(groups: dict[str, Group], tally: Tally) -> None:
    for group in groups.values():
        outcome: Outcome
        shown: Failing | None = None
        if group.passed:
            outcome = "flaky" if (group.failed or group.flaky) else "passed"
            shown = group.first_failing if outcome == "flaky" else None
        elif group.skipped_only:
            outcome = "skipped"
        else:
            outcome = group.last_bad
            shown = group.last_failing
        tally.add(outcome, group.project, group.visual)
        if shown is not None:
            shown.outcome = "flaky" if outcome == "flaky" else group.last_bad
            shown.visual = group.visual
            tally.keep(shown)
