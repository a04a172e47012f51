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
from typing import Any, BinaryIO

from lxml import etree

from slo_gate.collectors import xmlsafe
from slo_gate.collectors.junit_case import (
    SKIPPED_STATUS,
    JUnitCase,
    OpenSuite,
    Outcome,
    plain_case,
    rich_case,
)
from slo_gate.formatting import counted, is_are
from slo_gate.measurements import Problem

__all__ = ["JUNIT_ROOTS", "SOURCE", "JUnitCase", "JUnitFile", "Outcome"]

SOURCE = "junit"
JUNIT_ROOTS = frozenset({"testsuites", "testsuite"})

_PLAYWRIGHT_FILE = re.compile(r"\.[cm]?[jt]sx?$")


class _Watched:
    """The report's bytes on their way to the parser, watched for what makes a plain case more
    than a pass: a ``status`` or ``result`` attribute (``marks``), and a name with ``@`` in it,
    directly or through a character reference (``names``).

    The parser sees an element's end only after reading all of its bytes, so while a flag is
    down no case read so far has what it watches for, and the reader can skip those lookups.
    A flag, once up, stays up (a word it cannot place raises it too: that only costs time).
    Encodings whose bytes are not ASCII's for ASCII characters are not watched: both flags
    start up.
    """

    __slots__ = ("_case_open", "_raw", "_tail", "marks", "names")

    def __init__(self, raw: BinaryIO, *, watch: bool) -> None:
        self._raw = raw
        self._tail = b""  # the last bytes of the previous chunk, for words cut in two
        self._case_open = False  # the last ``<`` read so far may open a ``<testcase`` tag
        self.marks = not watch
        self.names = not watch

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data and not (self.marks and self.names):
            edge = self._tail + data[:5]
            if not self.marks:
                self.marks = any(w in data or w in edge for w in (b"status", b"result"))
            if not self.names:
                before = self._case_open
                self.names = (
                    b"&#" in edge
                    or _in_a_case_tag(data, before, b"@")
                    or _in_a_case_tag(data, before, b"&", b"#")
                )
                last = data.rfind(b"<")
                if last >= 0:  # a "<testcase" cut by the read counts as one
                    self._case_open = data.startswith(b"<testcase"[: len(data) - last], last)
            self._tail = (self._tail + data[-5:])[-5:]
        return data


#: occurrences of a watched character looked at in one read before assuming the worst
_LOOKS_PER_READ = 64


def _in_a_case_tag(data: bytes, case_open: bool, char: bytes, then: bytes = b"") -> bool:
    """Whether ``char`` (followed by ``then``) may be inside a ``<testcase`` start tag in ``data``;
    ``case_open``: whether the last ``<`` of the earlier reads may open one.

    ``char`` is one byte, so each search runs at memory speed (a two-byte search ran at a fifth
    of it); ``then`` is checked where it is found. Neither text nor an attribute value can hold
    a ``<``, so the nearest ``<`` before an occurrence opens the tag or text it is in: an ``@`` in
    a stack trace follows ``<failure``. With no ``<`` before it in this read, the earlier reads'
    last ``<`` decides. After ``_LOOKS_PER_READ`` occurrences the answer is yes: a wrong yes only
    costs lookups.
    """
    at = data.find(char)
    looked = 0
    while at >= 0:
        looked += 1
        if looked > _LOOKS_PER_READ:
            return True
        if data.startswith(then, at + 1):
            opened = data.rfind(b"<", 0, at)
            if case_open if opened < 0 else data.startswith(b"<testcase", opened):
                return True
        at = data.find(char, at + 1)
    return False


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
    _stack: list[OpenSuite] = field(default_factory=list)
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
            with self.path.open("rb") as raw:
                handle = _Watched(raw, watch=prologue.ascii_compatible)
                events = xmlsafe.iterparse(
                    handle,
                    events=("end",),
                    tags=("testcase", "testsuite", "testsuites"),
                    huge_tree=prologue.huge_tree,
                )
                yield from self._stream(events, fold_plain, handle)
        except etree.XMLSyntaxError as err:
            problem = xmlsafe.syntax_problem(
                err, self.display, SOURCE, huge_tree=prologue.huge_tree
            )
            self.problems.append(
                problem.model_copy(
                    update={
                        "message": f"{problem.message}. The "
                        f"{counted(self.cases_read, 'test case')} before that point "
                        f"{is_are(self.cases_read)} counted; the rest of the file is lost"
                    }
                )
            )
        except OSError as err:
            self.problems.append(_unreadable(self.display, err))
        finally:
            for suite in self._stack:  # a file cut short: its open suites' plain cases count
                self._flush_plain(suite)

    def _flush_plain(self, suite: OpenSuite) -> None:
        plain = self.plain
        if suite.plain_passed:
            key: tuple[Outcome, str | None] = ("passed", suite.project)
            plain[key] = plain.get(key, 0) + suite.plain_passed
        if suite.plain_skipped:
            key = ("skipped", suite.project)
            plain[key] = plain.get(key, 0) + suite.plain_skipped
        suite.plain_passed = suite.plain_skipped = 0

    def _stream(
        self, events: Iterator[tuple[str, Any]], fold_plain: bool, seen: _Watched
    ) -> Iterator[JUnitCase]:
        # The hot loop: one pass per element, locals only, no object for a plain case; a plain
        # case's status, result and name are looked up only once the bytes read so far could
        # hold one that matters (``_Watched``): lxml's ``get`` costs more than the parse.
        stack = self._stack
        top: Any = None
        suite: OpenSuite | None = None
        skipped_status = SKIPPED_STATUS
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
                        skipped = False
                        if seen.marks:
                            status, result = get("status"), get("result")
                            skipped = (status is not None and status.lower() in skipped_status) or (
                                result is not None and result.lower() in skipped_status
                            )
                        if skipped:
                            suite.skipped += 1
                        if fold_plain and not (seen.names and "@" in (get("name") or "")):
                            if skipped:
                                suite.plain_skipped += 1
                            else:
                                passed += 1
                        else:
                            self.cases_read = read
                            yield plain_case(elem, suite, skipped)
                    else:
                        case = rich_case(
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

    def _open(self, elem: Any) -> OpenSuite:
        outer = self._stack[-1] if self._stack else None
        name = elem.get("name") or ""
        hostname = elem.get("hostname")
        project = outer.project if outer else None
        if self._playwright and hostname and _PLAYWRIGHT_FILE.search(name):
            project = hostname
        return OpenSuite(
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
            suite = OpenSuite(
                elem=elem, name=elem.get("name") or "", project=None, file=None, pytest=False
            )
        if elem.tag == "testsuite":
            self.suites_read += 1
        self._check_counts(elem, suite)

    def _check_counts(self, elem: Any, suite: OpenSuite) -> None:
        declared_tests = xmlsafe.int_attr(elem, "tests")
        declared_bad = xmlsafe.sum_attrs(elem, ("failures", "errors"))
        declared_skipped = xmlsafe.int_attr(elem, "skipped")
        diffs: list[str] = []
        if declared_tests is not None and declared_tests != suite.tests:
            diffs.append(f"tests={declared_tests} but lists {counted(suite.tests, 'test case')}")
        if declared_bad is not None and declared_bad != suite.failed:
            failed = counted(suite.failed, "case")
            diffs.append(f"failures+errors={declared_bad} but {failed} failed")
        if declared_skipped is not None and declared_skipped != suite.skipped:
            skipped = counted(suite.skipped, "case")
            diffs.append(f"skipped={declared_skipped} but {skipped} skipped")
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


def _unreadable(display: str, err: OSError) -> Problem:
    return Problem(
        code="report-unreadable",
        message=f"{display}: cannot be read ({err.strerror or type(err).__name__}). "
        "Fix: check the path and the file's permissions",
        path=display,
        source=SOURCE,
    )
