"""Streaming JUnit XML reader: one ``JUnitCase`` per ``<testcase>``, memory bounded.

lxml's ``iterparse`` (hardened, see ``xmlsafe``) streams the file (junitparser's ``fromfile``
takes 1.6 GB for 1,000,000 cases). What counts as a failure, error, skip or flaky attempt is
junitparser's reading: cases with rerun/flaky attempts are wrapped in its xunit2 ``TestCase``,
other cases with results are read from their elements the same way (a test compares the two),
and a case with no child elements (97 % of a large report) passes unless a status skips it.

Flavours understood: ``<testsuites>`` and bare ``<testsuite>`` roots; nested suites; pytest
(xunit1 ``file``/``line``, xunit2); jest-junit; vitest; mocha/Cypress (``file`` on suites);
Maven Surefire and Gradle (``flakyFailure``, ``flakyError``, ``rerunFailure``, ``rerunError``);
go-junit-report/gotestsum; GoogleTest and tst (``status="notrun"``/``"disabled"``); Playwright's
JUnit reporter (the suite's ``hostname`` is the project; ``[[ATTACHMENT|path]]`` lines in
``<system-out>``).

Counts always come from the test cases. When a suite's own ``tests``/``failures``/``errors``/
``skipped`` attributes disagree with its cases, that is reported as a warning, never
"corrected" into the counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from junitparser import Error, Failure, Skipped
from junitparser.xunit2 import FlakyError, FlakyFailure, RerunError, RerunFailure
from junitparser.xunit2 import TestCase as XTestCase
from lxml import etree

from slo_gate.collectors import xmlsafe
from slo_gate.measurements import Problem

Outcome = Literal["passed", "failed", "errored", "skipped", "flaky"]

SOURCE = "junit"
JUNIT_ROOTS = frozenset({"testsuites", "testsuite"})

#: failure messages are kept up to this many characters (GitHub's annotation limit is 64 KB)
MAX_MESSAGE_CHARS = 16_000

_ATTACHMENT = re.compile(r"\[\[ATTACHMENT\|([^\]\r\n]{1,1000})\]\]")
_PLAYWRIGHT_FILE = re.compile(r"\.[cm]?[jt]sx?$")
_LINE_AFTER_NAME = re.compile(r"[:(](\d{1,7})")
_SKIPPED_STATUS = frozenset({"disabled", "notrun", "not run", "skipped", "suppressed"})


@dataclass(slots=True)
class JUnitCase:
    """One ``<testcase>`` element, reduced to what slo-gate needs."""

    suite: str
    classname: str
    name: str
    outcome: Outcome
    project: str | None = None
    file: str | None = None
    line: int | None = None
    message: str = ""
    attachments: tuple[str, ...] = ()
    attempts: int = 1
    report_line: int | None = None
    suite_file: str | None = None


@dataclass(slots=True)
class _Suite:
    """An open ``<testsuite>`` (or the root) and the cases counted inside it so far."""

    elem: Any
    name: str
    project: str | None
    file: str | None
    pytest: bool
    tests: int = 0
    failed: int = 0
    skipped: int = 0
    plain_passed: int = 0
    plain_skipped: int = 0


@dataclass
class JUnitFile:
    """One JUnit report being read. Iterate ``cases()`` once; ``problems`` fills as it goes.

    With ``cases(fold_plain=True)`` a *plain* test case (no child elements and no ``@`` in its
    name: a pass or a status-attribute skip with no tag, ~97 % of a large report) is counted in
    ``plain`` by (outcome, project) instead of being yielded; everything else is yielded.
    """

    path: Path
    display: str
    huge_tree_limit: int | None = None
    problems: list[Problem] = field(default_factory=list)
    cases_read: int = 0
    suites_read: int = 0
    plain: dict[tuple[Outcome, str | None], int] = field(default_factory=dict)
    _stack: list[_Suite] = field(default_factory=list)
    _playwright: bool = False

    def cases(self, *, fold_plain: bool = False) -> Iterator[JUnitCase]:
        """Stream the test cases; a bad file ends the stream with a problem, never an exception."""
        try:
            prologue = xmlsafe.read_prologue(
                self.path,
                self.display,
                roots=JUNIT_ROOTS,
                source=SOURCE,
                huge_tree_limit=self.huge_tree_limit,
                not_report_code="junit-not-a-report",
                not_report_hint=(
                    "this is not a JUnit report. Fix: point tests.junit / --junit at JUnit XML "
                    "files only"
                ),
            )
        except xmlsafe.XmlRefused as refused:
            self.problems.append(refused.problem)
            return
        except OSError as err:
            self.problems.append(_unreadable(self.display, err))
            return
        # Playwright's JUnit reporter writes <testsuites id="" name="" ...>: only then is a
        # suite's hostname the project (pytest, vitest and Surefire put the machine name there).
        self._playwright = prologue.root_tag == "testsuites" and "id" in prologue.root_attributes
        try:
            with self.path.open("rb") as handle:
                events = xmlsafe.iterparse(
                    handle,
                    events=("end",),
                    tags=("testcase", "testsuite", "testsuites"),
                    huge_tree=prologue.huge_tree,
                )
                yield from self._stream(events, fold_plain)
        except etree.XMLSyntaxError as err:
            problem = xmlsafe.syntax_problem(
                err, self.display, SOURCE, huge_tree=prologue.huge_tree
            )
            self.problems.append(
                problem.model_copy(
                    update={
                        "message": f"{problem.message}. The {self.cases_read} test case(s) "
                        "before that point are counted; the rest of the file is lost"
                    }
                )
            )
        except OSError as err:
            self.problems.append(_unreadable(self.display, err))
        finally:
            for suite in self._stack:  # a file cut short: its open suites' plain cases count
                self._flush_plain(suite)

    def _flush_plain(self, suite: _Suite) -> None:
        plain = self.plain
        if suite.plain_passed:
            key: tuple[Outcome, str | None] = ("passed", suite.project)
            plain[key] = plain.get(key, 0) + suite.plain_passed
        if suite.plain_skipped:
            key = ("skipped", suite.project)
            plain[key] = plain.get(key, 0) + suite.plain_skipped
        suite.plain_passed = suite.plain_skipped = 0

    def _stream(self, events: Iterator[tuple[str, Any]], fold_plain: bool) -> Iterator[JUnitCase]:
        # The hot loop: one pass per element, locals only, no object for a plain case.
        stack = self._stack
        top: Any = None
        suite: _Suite | None = None
        skipped_status = _SKIPPED_STATUS
        read = self.cases_read
        tests = passed = 0  # cases and plain passes of ``suite`` not yet added to it
        try:
            for _event, elem in events:
                parent = elem.getparent()
                if elem.tag == "testcase":
                    if parent is not top or suite is None:
                        if suite is not None:
                            suite.tests += tests
                            suite.plain_passed += passed
                        tests = passed = 0
                        self._enter(parent)
                        top = parent
                        suite = stack[-1]
                    tests += 1
                    read += 1
                    if len(elem) == 0:
                        # no result elements: passed, or skipped by a status attribute
                        get = elem.get
                        status, result = get("status"), get("result")
                        skipped = (status is not None and status.lower() in skipped_status) or (
                            result is not None and result.lower() in skipped_status
                        )
                        if skipped:
                            suite.skipped += 1
                        if fold_plain and "@" not in (get("name") or ""):
                            if skipped:
                                suite.plain_skipped += 1
                            else:
                                passed += 1
                        else:
                            self.cases_read = read
                            yield _plain_case(elem, suite, skipped)
                    else:
                        case = _rich_case(
                            elem, suite, elem.get("name") or "", elem.get("classname") or ""
                        )
                        outcome = case.outcome
                        if outcome == "failed" or outcome == "errored":
                            suite.failed += 1
                        elif outcome == "skipped":
                            suite.skipped += 1
                        self.cases_read = read
                        yield case
                else:
                    if suite is not None:
                        suite.tests += tests
                        suite.plain_passed += passed
                    tests = passed = 0
                    self._leave(elem)
                    top = stack[-1].elem if stack else None
                    suite = stack[-1] if stack else None
                # Drop what has been read: the element's content and its earlier siblings.
                elem.clear()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
        finally:
            self.cases_read = read
            if suite is not None:
                suite.tests += tests
                suite.plain_passed += passed

    # ------------------------------------------------------------------ suites

    def _enter(self, parent: Any) -> None:
        """Push contexts for ``parent`` and every ancestor not yet open (nested suites)."""
        chain: list[Any] = []
        top = self._stack[-1].elem if self._stack else None
        node = parent
        while node is not None and node is not top:
            chain.append(node)
            node = node.getparent()
        for node in reversed(chain):
            self._stack.append(self._open(node))

    def _open(self, elem: Any) -> _Suite:
        outer = self._stack[-1] if self._stack else None
        name = elem.get("name") or ""
        hostname = elem.get("hostname")
        project = outer.project if outer else None
        if self._playwright and hostname and _PLAYWRIGHT_FILE.search(name):
            project = hostname
        return _Suite(
            elem=elem,
            name=name,
            project=project,
            file=elem.get("file") or (outer.file if outer else None),
            pytest=name == "pytest" or (outer.pytest if outer else False),
        )

    def _leave(self, elem: Any) -> None:
        """A suite (or the root) ended: compare its declared counts with its cases."""
        if self._stack and self._stack[-1].elem is elem:
            suite = self._stack.pop()
            self._flush_plain(suite)
            if self._stack:  # the parent is open too: nested counts add up
                outer = self._stack[-1]
                outer.tests += suite.tests
                outer.failed += suite.failed
                outer.skipped += suite.skipped
        else:
            suite = _Suite(
                elem=elem, name=elem.get("name") or "", project=None, file=None, pytest=False
            )
        if elem.tag == "testsuite":
            self.suites_read += 1
        self._check_counts(elem, suite)

    def _check_counts(self, elem: Any, suite: _Suite) -> None:
        declared_tests = xmlsafe.int_attr(elem, "tests")
        declared_bad = xmlsafe.sum_attrs(elem, ("failures", "errors"))
        declared_skipped = xmlsafe.int_attr(elem, "skipped")
        diffs: list[str] = []
        if declared_tests is not None and declared_tests != suite.tests:
            diffs.append(f"tests={declared_tests} but lists {suite.tests} test case(s)")
        if declared_bad is not None and declared_bad != suite.failed:
            diffs.append(f"failures+errors={declared_bad} but {suite.failed} case(s) failed")
        if declared_skipped is not None and declared_skipped != suite.skipped:
            diffs.append(f"skipped={declared_skipped} but {suite.skipped} case(s) were skipped")
        if not diffs:
            return
        what = "<testsuites>" if elem.tag == "testsuites" else f"suite {suite.name[:200]!r}"
        line = elem.sourceline if isinstance(elem.sourceline, int) else None
        self.problems.append(
            Problem(
                code="junit-count-mismatch",
                message=(
                    f"{self.display}: {what} declares {'; '.join(diffs)}. slo-gate counts the "
                    "test cases it finds. Fix: usually nothing (some runners count subtests or "
                    "trim reports); check the runner if test cases are missing"
                ),
                path=self.display,
                line=line,
                level="warning",
                source=SOURCE,
            )
        )

    # ------------------------------------------------------------------ cases


def _plain_case(elem: Any, suite: _Suite, skipped: bool) -> JUnitCase:
    """A test case with no child elements (no result in junitparser's model)."""
    get = elem.get
    return JUnitCase(
        suite.name,
        get("classname") or "",
        get("name") or "",
        "skipped" if skipped else "passed",
        suite.project,
        get("file") or suite.file,
        None,
        "",
        (),
        1,
        elem.sourceline,
        suite.file,
    )


#: junitparser's final results (``TestCase.result``) and xunit2's interim ones
_FINAL_TAGS = frozenset({"failure", "error", "skipped"})
_INTERIM_TAGS = frozenset({"rerunFailure", "rerunError", "flakyFailure", "flakyError"})

#: (outcome, the result element shown or None, its message, interim results, system-out text)
_Results = tuple[Outcome, Any, str, int, str]


def _rich_case(
    elem: Any, suite: _Suite, name: str, classname: str, *, direct: bool = True
) -> JUnitCase:
    """A test case with child elements: its results as junitparser reads them.

    A case without interim results (no rerun or flaky attempts: nearly every failing case) is
    read ``direct``ly from the elements, the way junitparser reads them (results among all
    descendants in document order, ``message`` attribute and text, the first ``<system-out>``
    child); anything else goes through junitparser itself. A test compares the two.
    """
    results = _direct_results(elem) if direct else None
    if results is None:
        results = _junitparser_results(elem)
    outcome, shown, message, interim, out = results
    file = elem.get("file") or suite.file
    line: int | None = None
    if shown is not None:
        file = file or shown.get("file")
        line = xmlsafe.int_attr(shown, "line")
    if line is None and message:
        # the test's own file: an attribute, else a suite or class named after it (Playwright,
        # vitest); the first "<file>:<line>" of it in the message is where the test failed
        for candidate in (file, suite.name, classname):
            line = _line_in_text(message, candidate)
            if line is not None:
                break
    if line is None:
        line = xmlsafe.int_attr(elem, "line")
        if line is not None and suite.pytest:
            line += 1  # pytest writes the 0-based line of the test function
    attachments = tuple(dict.fromkeys(_ATTACHMENT.findall(out))) if "[[ATTACHMENT|" in out else ()
    return JUnitCase(
        suite=suite.name,
        classname=classname,
        name=name,
        outcome=outcome,
        project=suite.project,
        file=file,
        line=line,
        message=message,
        attachments=attachments,
        attempts=1 + interim,
        report_line=elem.sourceline,
        suite_file=suite.file,
    )


def _direct_results(elem: Any) -> _Results | None:
    """Final results only, read from the elements; ``None`` when there are interim ones."""
    error = failure = None
    skipped = False
    for node in elem.iter():
        tag = node.tag
        if tag in _FINAL_TAGS:
            if tag == "error":
                error = node if error is None else error
            elif tag == "failure":
                failure = node if failure is None else failure
            else:
                skipped = True
        elif tag in _INTERIM_TAGS:
            return None
    shown = error if error is not None else failure
    outcome: Outcome = "errored" if error is not None else "failed"
    if shown is None:
        status = (elem.get("status") or "").lower()
        outcome = "skipped" if skipped or status in _SKIPPED_STATUS else "passed"
    message = _join_message(shown.get("message"), shown.text) if shown is not None else ""
    out = elem.find("system-out")
    return outcome, shown, message, 0, (out.text if out is not None else None) or ""


def _junitparser_results(elem: Any) -> _Results:
    """Let junitparser say what the results are (interim results: reruns, flaky attempts)."""
    case = XTestCase.fromelem(elem)  # type: ignore[no-untyped-call]
    finals = list(case.result)
    interim = list(case.interim_result)
    errors = [r for r in finals if isinstance(r, Error)]
    failures = [r for r in finals if isinstance(r, Failure)]
    skips = [r for r in finals if isinstance(r, Skipped)]
    outcome: Outcome
    shown: Any
    if errors:
        outcome, shown = "errored", errors[0]
    elif failures:
        outcome, shown = "failed", failures[0]
    elif skips:
        outcome, shown = "skipped", None
    elif interim:
        outcome, shown = "flaky", interim[0]
    else:
        status = (elem.get("status") or "").lower()
        outcome, shown = ("skipped" if status in _SKIPPED_STATUS else "passed"), None
    message = ""
    if shown is not None:
        message = _message(shown)
        if interim and outcome != "flaky":
            message = f"{message}\n(after {len(interim)} rerun(s))" if message else message
    shown_elem = shown._elem if shown is not None else None
    return outcome, shown_elem, message, len(interim), case.system_out or ""


def _message(result: Any) -> str:
    """A result's message attribute and body (or its ``<stackTrace>``), bounded."""
    text = result.text
    if not (isinstance(text, str) and text.strip()) and isinstance(
        result, FlakyFailure | FlakyError | RerunFailure | RerunError
    ):
        text = result.stack_trace
    return _join_message(result.message, text)


def _join_message(msg: Any, text: Any) -> str:
    parts: list[str] = []
    if isinstance(msg, str) and msg.strip():
        parts.append(msg.strip())
    if isinstance(text, str) and text.strip() and text.strip() not in parts:
        parts.append(text.strip("\n").rstrip())
    joined = "\n".join(parts)
    if len(joined) > MAX_MESSAGE_CHARS:
        joined = joined[: MAX_MESSAGE_CHARS - 1] + "…"
    return joined


def _line_in_text(text: str, file: str | None) -> int | None:
    """The first ``<file>:<line>`` of the test's own file in a message or stack trace."""
    if not file:
        return None
    base = file.replace("\\", "/").rsplit("/", 1)[-1]
    if not base:
        return None
    # A plain substring search finds each occurrence of the name; one pattern compiled once
    # checks what follows it (compiling "<name>[:(]digits" per failing case filled re's cache).
    start = text.find(base)
    while start >= 0:
        match = _LINE_AFTER_NAME.match(text, start + len(base))
        if match:
            return int(match.group(1))
        start = text.find(base, start + 1)
    return None


def _unreadable(display: str, err: OSError) -> Problem:
    return Problem(
        code="report-unreadable",
        message=f"{display}: cannot be read ({err.strerror or type(err).__name__}). "
        "Fix: check the path and the file's permissions",
        path=display,
        source=SOURCE,
    )
