"""Playwright JSON reporter output (1.24 onward) into one ``PlaywrightTest`` per test and project.

The models below are deliberately tolerant (unknown keys ignored, nearly every key optional):
the JSON reporter's shape has grown across releases (``projectId`` in 1.25, ``tags`` in 1.42,
``errors[]`` per result, merged shard reports with ``shard: null``). Only ``config`` and
``suites`` are required: without them a JSON file is not a Playwright report.

The test's ``status`` decides (DESIGN.md "Test outcomes"): ``expected`` passed (or was skipped on
purpose), ``unexpected`` failed, ``flaky`` passed on a retry, ``skipped`` skipped. The statuses
of individual attempts never decide on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slo_gate.formatting import counted
from slo_gate.measurements import Problem
from slo_gate.text import strip_ansi

Outcome = Literal["passed", "failed", "errored", "skipped", "flaky"]
SOURCE = "playwright"

#: failure messages are kept up to this many characters (GitHub's annotation limit is 64 KB)
MAX_MESSAGE_CHARS = 16_000

_SCREENSHOT = re.compile(r"-(expected|actual|diff)\.(?:png|jpe?g)$", re.IGNORECASE)
_TITLE_TAG = re.compile(r"(?<!\S)@([\w:.\-/]+)")


class _M(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class PwLocation(_M):
    file: str | None = None
    line: int | None = None
    column: int | None = None


class PwError(_M):
    message: str | None = None
    stack: str | None = None
    value: str | None = None
    location: PwLocation | None = None


class PwAttachment(_M):
    name: str = ""
    content_type: str | None = Field(None, alias="contentType")
    path: str | None = None


class PwResult(_M):
    status: str | None = None
    retry: int = 0
    error: PwError | None = None
    errors: list[PwError] = Field(default_factory=list)
    attachments: list[PwAttachment] = Field(default_factory=list)
    error_location: PwLocation | None = Field(None, alias="errorLocation")


class PwAnnotation(_M):
    type: str = ""
    description: str | None = None


class PwTest(_M):
    status: str | None = None
    expected_status: str | None = Field(None, alias="expectedStatus")
    project_name: str | None = Field(None, alias="projectName")
    project_id: str | None = Field(None, alias="projectId")
    results: list[PwResult] = Field(default_factory=list)
    annotations: list[PwAnnotation] = Field(default_factory=list)


class PwSpec(_M):
    title: str = ""
    tags: list[str] = Field(default_factory=list)
    tests: list[PwTest] = Field(default_factory=list)
    file: str | None = None
    line: int | None = None


class PwSuite(_M):
    title: str = ""
    file: str | None = None
    line: int | None = None
    specs: list[PwSpec] = Field(default_factory=list)
    suites: list[PwSuite] = Field(default_factory=list)


class PwProject(_M):
    name: str | None = None
    id: str | None = None
    test_dir: str | None = Field(None, alias="testDir")


class PwConfig(_M):
    root_dir: str | None = Field(None, alias="rootDir")
    version: str | None = None
    projects: list[PwProject] = Field(default_factory=list)


class PwReport(_M):
    """The top level of a JSON report; ``config`` and ``suites`` make it one."""

    config: PwConfig
    suites: list[PwSuite]
    errors: list[PwError] = Field(default_factory=list)


@dataclass(slots=True)
class PlaywrightTest:
    """One test in one project: its stable key parts, outcome and what a failure needs."""

    file: str
    titles: tuple[str, ...]
    project: str
    outcome: Outcome
    tags: tuple[str, ...] = ()
    message: str = ""
    location_file: str | None = None
    location_line: int | None = None
    attachments: tuple[str, ...] = ()
    screenshot_compared: bool = False
    #: the line of the test's declaration (``file:line`` selects it in ``playwright test``)
    spec_line: int | None = None
    attempts: int = 1


@dataclass
class PlaywrightReport:
    """What one JSON file yielded; ``root_dir`` lets paths be made workspace-relative."""

    display: str
    tests: list[PlaywrightTest] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    root_dir: str | None = None
    version: str | None = None


def read_playwright(path: Path, display: str) -> PlaywrightReport:
    """Read one JSON report; every defect becomes a named problem, never an exception."""
    out = PlaywrightReport(display=display)
    try:
        data = path.read_bytes()
    except OSError as err:
        out.problems.append(
            _problem(
                "report-unreadable",
                f"{display}: cannot be read ({err.strerror or type(err).__name__}). "
                "Fix: check the path and the file's permissions",
                display,
            )
        )
        return out
    if not data.strip():
        out.problems.append(
            _problem(
                "playwright-empty-report",
                f"{display}: the JSON report is empty ({len(data)} bytes). Playwright's JSON "
                "reporter is known to write an empty file when a very large run's report "
                "exceeds what Node.js can hold in one string. Fix: shard the run and merge the "
                "blob reports (`npx playwright merge-reports --reporter json`), or use the "
                "junit reporter for large runs",
                display,
            )
        )
        return out
    try:
        report = PwReport.model_validate_json(data)
    except ValidationError as err:
        out.problems.append(_validation_problem(err, display))
        return out
    out.root_dir = report.config.root_dir
    out.version = report.config.version
    for error in report.errors:
        out.problems.append(_global_error(error, display))
    missing_status = 0
    for suite in report.suites:
        file = suite.file or suite.title
        for test, missing in _walk(suite, file, (), ()):
            out.tests.append(test)
            missing_status += missing
    if missing_status:
        out.problems.append(
            _problem(
                "playwright-status-missing",
                f"{display}: {counted(missing_status, 'test')} without an outcome `status`; "
                "the outcome was derived from the attempts. Fix: use Playwright 1.24 or later",
                display,
                level="warning",
            )
        )
    return out


def _walk(
    suite: PwSuite, file: str, titles: tuple[str, ...], tags: tuple[str, ...]
) -> list[tuple[PlaywrightTest, int]]:
    """Flatten nested describe blocks; the file-level suite's own title is the file, not a title."""
    found: list[tuple[PlaywrightTest, int]] = []
    for spec in suite.specs:
        path = (*titles, spec.title)
        spec_tags = (*tags, *(t.lstrip("@") for t in spec.tags), *_title_tags(spec.title))
        for test in spec.tests:
            found.append(_test(spec, test, file, path, tuple(dict.fromkeys(spec_tags))))
    for child in suite.suites:
        child_titles = (*titles, child.title) if child.title else titles
        found.extend(_walk(child, file, child_titles, (*tags, *_title_tags(child.title))))
    return found


def _title_tags(title: str) -> tuple[str, ...]:
    """Tags written into titles (``test('shows menu @visual')``), as Playwright also reads them."""
    return tuple(_TITLE_TAG.findall(title)) if "@" in title else ()


def _outcome(test: PwTest) -> tuple[Outcome, int]:
    """The test's status decides; only when a report lacks it are the attempts consulted."""
    status = test.status
    if status == "expected":
        return ("skipped" if test.expected_status == "skipped" else "passed"), 0
    if status == "unexpected":
        return "failed", 0
    if status == "flaky":
        return "flaky", 0
    if status == "skipped":
        return "skipped", 0
    attempts = [r.status for r in test.results]
    if not attempts or attempts[-1] == "skipped":
        return "skipped", 1
    last_ok = attempts[-1] == test.expected_status or (
        test.expected_status is None and attempts[-1] == "passed"
    )
    if last_ok:
        return ("flaky" if len(attempts) > 1 else "passed"), 1
    return "failed", 1


def _test(
    spec: PwSpec, test: PwTest, file: str, titles: tuple[str, ...], tags: tuple[str, ...]
) -> tuple[PlaywrightTest, int]:
    outcome, missing = _outcome(test)
    attachments = tuple(
        dict.fromkeys(
            a.path or a.name
            for r in test.results
            for a in r.attachments
            if _SCREENSHOT.search(a.name or "") or _SCREENSHOT.search(a.path or "")
        )
    )
    message = ""
    loc_file: str | None = spec.file or file
    loc_line: int | None = spec.line
    if outcome in ("failed", "errored", "flaky"):
        failing = [r for r in test.results if r.status not in ("passed", "skipped")]
        # a failed test shows its last attempt; a flaky one the attempt that failed
        shown: PwResult | None = None
        if failing:
            shown = failing[0] if outcome == "flaky" else failing[-1]
        if shown is not None:
            message = _result_message(shown)
            location = shown.error_location or (shown.error.location if shown.error else None)
            if location is not None and location.file:
                loc_file, loc_line = location.file, location.line
            elif not message and shown.status:
                message = f"attempt ended with status {shown.status}"
    project = test.project_name or test.project_id or ""
    return (
        PlaywrightTest(
            file=file,
            titles=titles,
            project=project,
            outcome=outcome,
            tags=tags,
            message=message,
            location_file=loc_file,
            location_line=loc_line,
            spec_line=spec.line,
            attachments=attachments,
            screenshot_compared=bool(attachments),
            attempts=max(1, len(test.results)),
        ),
        missing,
    )


def _result_message(result: PwResult) -> str:
    """The attempt's error messages, without colour codes, bounded."""
    errors = result.errors or ([result.error] if result.error else [])
    texts: list[str] = []
    for error in errors:
        text = error.message or error.value or error.stack or ""
        text = strip_ansi(text).strip()
        if text and text not in texts:
            texts.append(text)
    joined = "\n\n".join(texts)
    if len(joined) > MAX_MESSAGE_CHARS:
        joined = joined[: MAX_MESSAGE_CHARS - 1] + "…"
    return joined


def _global_error(error: PwError, display: str) -> Problem:
    """A run-level error (config, global setup, a file that failed to load) is a problem."""
    text = strip_ansi(error.message or error.value or error.stack or "unknown error").strip()
    text = text[:2000]
    loc = error.location
    where = f" ({loc.file}:{loc.line})" if loc and loc.file else ""
    return Problem(
        code="playwright-run-error",
        message=f"{display}: Playwright reported an error outside any test{where}: {text}",
        path=(loc.file if loc and loc.file else display),
        line=loc.line if loc else None,
        source=SOURCE,
    )


def _validation_problem(err: ValidationError, display: str) -> Problem:
    """Name what is wrong without echoing the file's contents back."""
    details = err.errors(include_input=False, include_url=False)
    first = details[0] if details else None
    if first is not None and first["type"] in ("json_invalid", "json_type"):
        return _problem(
            "playwright-invalid-json",
            f"{display}: not valid JSON ({first['msg'][:200]}). Fix: point tests.playwright / "
            "--playwright at the JSON reporter's output (`reporter: [['json', {outputFile}]]`)",
            display,
        )
    where = sorted({".".join(str(p) for p in d["loc"][:3]) or "(top level)" for d in details})
    return _problem(
        "playwright-not-a-report",
        f"{display}: this JSON is not a Playwright JSON report (problems at: "
        f"{', '.join(where[:5])}; a report has `config` and `suites`). Fix: point "
        "tests.playwright / --playwright at the output of Playwright's json reporter",
        display,
    )


def _problem(
    code: str,
    message: str,
    display: str,
    *,
    level: Literal["error", "warning", "notice"] = "error",
) -> Problem:
    return Problem(code=code, message=message, path=display, level=level, source=SOURCE)
