"""What one ``<testcase>`` element says: its outcome, message, file, line and attachments.

The streaming reader (``junit.py``) hands each case's element here: a case with no child
elements is read from its attributes (``plain_case``); a case with results is read the way
junitparser reads it (``rich_case``; a test compares the two readings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from junitparser import Error, Failure, Skipped
from junitparser.xunit2 import FlakyError, FlakyFailure, RerunError, RerunFailure
from junitparser.xunit2 import TestCase as XTestCase

from slo_gate.collectors import xmlsafe
from slo_gate.formatting import counted

Outcome = Literal["passed", "failed", "errored", "skipped", "flaky"]

#: failure messages are kept up to this many characters (GitHub's annotation limit is 64 KB)
MAX_MESSAGE_CHARS = 16_000

_ATTACHMENT = re.compile(r"\[\[ATTACHMENT\|([^\]\r\n]{1,1000})\]\]")
_LINE_AFTER_NAME = re.compile(r"[:(](\d{1,7})")
SKIPPED_STATUS = frozenset({"disabled", "notrun", "not run", "skipped", "suppressed"})


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
class OpenSuite:
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


def plain_case(elem: Any, suite: OpenSuite, skipped: bool) -> JUnitCase:
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


def rich_case(
    elem: Any, suite: OpenSuite, name: str, classname: str, *, direct: bool = True
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
            line = line_in_text(message, candidate)
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
        outcome = "skipped" if skipped or status in SKIPPED_STATUS else "passed"
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
        outcome, shown = ("skipped" if status in SKIPPED_STATUS else "passed"), None
    message = ""
    if shown is not None:
        message = _message(shown)
        if interim and outcome != "flaky":
            message = f"{message}\n(after {counted(len(interim), 'rerun')})" if message else message
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


def line_in_text(text: str, file: str | None) -> int | None:
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
