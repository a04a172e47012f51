"""Test reports (JUnit XML and Playwright JSON) into one ``TestReport``.

This is the collector's entry point, ``collect_tests``. It finds the report files (globs relative
to the workspace, never outside it), reads them with the streaming JUnit reader and the
Playwright reader, decides which tests are visual, gives every test a stable key, and keeps the
failures with message, file and line plus check-run annotations built as data.

Counting rules (DESIGN.md "Test outcomes"): a flaky test passed and is also counted as flaky;
``total = passed + failed + errored + skipped``. Repeated JUnit test cases are separate runs
unless the policy says ``tests.junit_retries: repeated-cases``; then they are attempts of one
test and a test that failed and later passed is flaky.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from slo_gate.collectors.junit import JUnitCase, JUnitFile
from slo_gate.collectors.paths import glob_regex as paths_glob_regex
from slo_gate.collectors.playwright import PlaywrightTest, read_playwright, strip_ansi
from slo_gate.config.policy import TestsPolicy
from slo_gate.measurements import (
    Annotation,
    Problem,
    TestCounts,
    TestFailure,
    TestReport,
    VisualCounts,
)

Outcome = Literal["passed", "failed", "errored", "skipped", "flaky"]
SOURCE = "tests"

#: failures (and so annotations) kept per run; the counts stay exact beyond it
MAX_FAILURES = 1000
#: GitHub's limits for one annotation
MAX_TITLE_CHARS = 255
MAX_MESSAGE_BYTES = 64 * 1024 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ASTRAL = re.compile(r"[\U00010000-\U0010FFFF]")
_PATHLIKE = re.compile(
    r"(?:^|/)[^/\s]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kts?|cs|php|rs|swift|scala|feature)$"
)
_NAME_TAG = re.compile(r"(?<!\S)@([\w:.\-/]+)")
_GLOB_CHARS = frozenset("*?[")


# ----------------------------------------------------------------------------- text


def clean_text(text: str) -> str:
    """Untrusted text made safe to carry: no ANSI codes, no control characters but tab/newline."""
    return _CONTROL.sub("", strip_ansi(text)) if text else ""


def bmp_only(text: str) -> str:
    """Replace characters above U+FFFF (GitHub rejects them in several fields) with U+FFFD."""
    return _ASTRAL.sub("\ufffd", text)


def truncate_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` so that its UTF-8 encoding fits ``limit`` bytes, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


# ----------------------------------------------------------------------------- globs


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A policy glob (``**`` any depth, ``*``, ``?``) as a regex over '/'-separated paths."""
    return paths_glob_regex(pattern.replace("\\", "/"))


def find_reports(
    workspace: Path, patterns: Sequence[str], kind: str
) -> tuple[list[Path], list[Problem]]:
    """Expand globs relative to the workspace; every file must resolve inside it.

    A pattern that matches no file is a problem (the report step did not run, or wrote
    elsewhere), and so is a match that leads out of the workspace (``..`` or a symlink).
    """
    root = workspace.resolve()
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for pattern in patterns:
        # glob.glob, not Path.glob: patterns may be absolute, and root_dir keeps relative ones
        # anchored at the workspace whatever the process's working directory is.
        matches = sorted(glob.glob(pattern, root_dir=root, recursive=True))  # noqa: PTH207
        files = outside = 0
        for match in matches:
            candidate = (root / match).resolve()
            if not candidate.is_relative_to(root):
                problems.append(
                    _problem(
                        "tests-path-outside-workspace",
                        f"{kind} pattern {pattern!r} matches {match!r}, which lies outside the "
                        "workspace; it is not read. Fix: keep reports inside the workspace",
                        None,
                    )
                )
                outside += 1
                continue
            if candidate.is_file():
                found.setdefault(candidate, None)
                files += 1
        if files == 0 and outside == 0:
            hint = "a literal path" if not _GLOB_CHARS & set(pattern) else "a glob"
            problems.append(
                _problem(
                    "tests-report-missing",
                    f"{kind} pattern {pattern!r} ({hint}) matches no file under the workspace. "
                    "Fix: check that the test step wrote its report there, or correct "
                    f"tests.{kind} / --{kind}",
                    None,
                )
            )
    return list(found), problems


# ----------------------------------------------------------------------------- paths


@dataclass
class PathResolver:
    """Turns paths written into reports into workspace-relative paths of existing files.

    Reports carry paths relative to some runner directory, or absolute paths from the machine
    that ran the tests (a developer's home, ``/home/runner/work/...``). A path is tried as
    given, against the candidate bases, and finally by its trailing components inside the
    workspace. Answers are cached: a report repeats the same file for many tests.
    """

    workspace: Path
    _cache: dict[tuple[str, tuple[str, ...]], str | None] = field(default_factory=dict)

    def resolve(self, raw: str | None, bases: tuple[str, ...] = ()) -> str | None:
        if not raw:
            return None
        key = (raw, bases)
        if key not in self._cache:
            self._cache[key] = self._resolve(raw, bases)
        return self._cache[key]

    def _resolve(self, raw: str, bases: tuple[str, ...]) -> str | None:
        text = raw.replace("\\", "/")
        if text.startswith("file://"):
            text = text[len("file://") :]
        root = self.workspace.resolve()
        posix = PurePosixPath(text)
        candidates: list[PurePosixPath] = []
        if posix.is_absolute():
            candidates.append(posix)
        else:
            candidates.extend(PurePosixPath(b) / posix for b in bases if b)
            candidates.append(PurePosixPath(root.as_posix()) / posix)
        for candidate in candidates:
            found = self._inside(Path(str(candidate)), root)
            if found is not None:
                return found
        parts = [p for p in (candidates[0] if candidates else posix).parts if p not in ("/", "")]
        for start in range(1, len(parts)):
            found = self._inside(root.joinpath(*parts[start:]), root)
            if found is not None:
                return found
        return None

    @staticmethod
    def _inside(path: Path, root: Path) -> str | None:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        if resolved.is_relative_to(root) and resolved.is_file():
            return resolved.relative_to(root).as_posix()
        return None


# ----------------------------------------------------------------------------- tally


@dataclass(slots=True)
class _Counts:
    total: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    flaky: int = 0

    def add(self, outcome: Outcome) -> None:
        self.total += 1
        if outcome == "passed":
            self.passed += 1
        elif outcome == "flaky":
            self.passed += 1
            self.flaky += 1
        elif outcome == "failed":
            self.failed += 1
        elif outcome == "errored":
            self.errored += 1
        else:
            self.skipped += 1

    def frozen(self) -> TestCounts:
        return TestCounts(
            total=self.total,
            passed=self.passed,
            failed=self.failed,
            errored=self.errored,
            skipped=self.skipped,
            flaky=self.flaky,
        )

    def visual(self) -> VisualCounts:
        return VisualCounts(
            total=self.total,
            passed=self.passed,
            failed=self.failed + self.errored,
            flaky=self.flaky,
            skipped=self.skipped,
        )


@dataclass(slots=True)
class _Failing:
    """What a failing (or flaky) test needs for its failure entry and annotation."""

    key: str
    title: str
    outcome: Literal["failed", "errored", "flaky"]
    message: str
    file: str | None
    line: int | None
    project: str | None
    visual: bool
    attachments: tuple[str, ...]
    report: str
    report_line: int | None


@dataclass
class _Group:
    """Repeated JUnit cases taken as attempts of one test (``junit_retries: repeated-cases``)."""

    passed: bool = False
    failed: bool = False
    skipped_only: bool = True
    flaky: bool = False
    last_bad: Literal["failed", "errored"] = "failed"
    first_failing: _Failing | None = None
    last_failing: _Failing | None = None
    project: str | None = None
    visual: bool = False


class _Tally:
    """Folds tests into counts, failures and annotations as they stream past."""

    def __init__(self, policy: TestsPolicy, resolver: PathResolver) -> None:
        self.counts = _Counts()
        self.projects: dict[str, _Counts] = {}
        self.visual = _Counts()
        self.failing: list[_Failing] = []
        self.dropped = 0
        self.resolver = resolver
        self.visual_paths = [glob_regex(p) for p in policy.visual.paths]
        self.visual_tags = frozenset(t.lstrip("@") for t in policy.visual.tags if t.lstrip("@"))
        self._path_visual: dict[str, bool] = {}

    # -- visual selection

    def is_visual(self, path: str | None, tags: Iterable[str], screenshots: bool) -> bool:
        """Compared screenshots, or selected by the policy's paths or tags."""
        if screenshots:
            return True
        if self.visual_tags and any(t.lstrip("@") in self.visual_tags for t in tags):
            return True
        if not self.visual_paths or not path:
            return False
        known = self._path_visual.get(path)
        if known is None:
            norm = path.replace("\\", "/").removeprefix("./")
            resolved = self.resolver.resolve(path)
            known = any(
                rx.match(norm) or (resolved and rx.match(resolved)) for rx in self.visual_paths
            )
            self._path_visual[path] = known
        return known

    # -- folding

    def add(self, outcome: Outcome, project: str | None, visual: bool) -> None:
        self.counts.add(outcome)
        if project is not None:
            counts = self.projects.get(project)
            if counts is None:
                counts = self.projects[project] = _Counts()
            counts.add(outcome)
        if visual:
            self.visual.add(outcome)

    def keep(self, failing: _Failing) -> None:
        if len(self.failing) < MAX_FAILURES:
            self.failing.append(failing)
        else:
            self.dropped += 1


# ----------------------------------------------------------------------------- JUnit


def junit_key(case: JUnitCase) -> str:
    """(suite, class, name), plus the project for Playwright's JUnit output."""
    key = f"{case.suite}::{case.classname}::{case.name}"
    return f"{key}::{case.project}" if case.project else key


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


def _junit_failing(case: JUnitCase, display: str, visual: bool) -> _Failing:
    outcome: Literal["failed", "errored", "flaky"] = (
        "errored" if case.outcome == "errored" else "flaky" if case.outcome == "flaky" else "failed"
    )
    return _Failing(
        key=junit_key(case),
        title=_junit_title(case),
        outcome=outcome,
        message=clean_text(case.message),
        file=_junit_path(case),
        line=case.line,
        project=case.project,
        visual=visual,
        attachments=case.attachments,
        report=display,
        report_line=case.report_line,
    )


def _junit_visual(tally: _Tally, case: JUnitCase) -> bool:
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


def _fold_junit_separate(tally: _Tally, junit: JUnitFile) -> None:
    """Default: every ``<testcase>`` is its own run."""
    for case in junit.cases():
        outcome = case.outcome
        visual = _junit_visual(tally, case)
        tally.add(outcome, case.project, visual)
        if outcome != "passed" and outcome != "skipped":
            tally.keep(_junit_failing(case, junit.display, visual))


def _fold_junit_grouped(groups: dict[str, _Group], tally: _Tally, junit: JUnitFile) -> None:
    """``repeated-cases``: cases with the same key are attempts of one test."""
    for case in junit.cases():
        key = junit_key(case)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(project=case.project)
        group.visual = group.visual or _junit_visual(tally, case)
        outcome = case.outcome
        if outcome == "skipped":
            continue
        group.skipped_only = False
        if outcome in ("passed", "flaky"):
            group.passed = True
            group.flaky = group.flaky or outcome == "flaky"
            if outcome == "flaky" and group.first_failing is None:
                group.first_failing = _junit_failing(case, junit.display, False)
            continue
        failing = _junit_failing(case, junit.display, False)
        group.failed = True
        group.last_bad = "errored" if outcome == "errored" else "failed"
        group.first_failing = group.first_failing or failing
        group.last_failing = failing


def _flush_groups(groups: dict[str, _Group], tally: _Tally) -> None:
    for group in groups.values():
        outcome: Outcome
        shown: _Failing | None = None
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


# ----------------------------------------------------------------------------- Playwright


def playwright_key(test: PlaywrightTest) -> str:
    """(file, title path, project): stable across runs, shards and retries."""
    return f"{test.file}::{' › '.join(test.titles)}::{test.project}"


def _fold_playwright(
    tally: _Tally, tests: list[PlaywrightTest], display: str, root_dir: str | None,
    seen: dict[str, str], problems: list[Problem],
) -> None:  # fmt: skip
    bases = (root_dir,) if root_dir else ()
    duplicates = 0
    for test in tests:
        key = playwright_key(test)
        if key in seen:
            duplicates += 1
        else:
            seen[key] = display
        source = tally.resolver.resolve(test.file, bases) or test.file
        visual = tally.is_visual(source, test.tags, test.screenshot_compared)
        tally.add(test.outcome, test.project, visual)
        if test.outcome in ("failed", "errored", "flaky"):
            outcome: Literal["failed", "errored", "flaky"] = (
                "flaky" if test.outcome == "flaky" else "failed"
            )
            title = " › ".join((test.file, *test.titles))
            tally.keep(
                _Failing(
                    key=key,
                    title=f"{title} [{test.project}]" if test.project else title,
                    outcome=outcome,
                    message=clean_text(test.message),
                    file=test.location_file or test.file,
                    line=test.location_line,
                    project=test.project or None,
                    visual=visual,
                    attachments=test.attachments,
                    report=display,
                    report_line=None,
                )
            )
    if duplicates:
        problems.append(
            _problem(
                "playwright-duplicate-tests",
                f"{display}: {duplicates} test(s) already appeared in another report file "
                "(same file, title and project); each is counted again. Fix: pass either the "
                "merged report or the shard reports, not both",
                display,
                level="warning",
            )
        )


# ----------------------------------------------------------------------------- entry point


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
    tally = _Tally(policy, resolver)
    problems: list[Problem] = []
    files: list[str] = []
    junit_files, found = find_reports(workspace, list(junit_globs or policy.junit), "junit")
    problems.extend(found)
    pw_files, found = find_reports(
        workspace, list(playwright_globs or policy.playwright), "playwright"
    )
    problems.extend(found)
    root = workspace.resolve()
    groups: dict[str, _Group] = {}
    for path in junit_files:
        display = path.relative_to(root).as_posix()
        files.append(display)
        junit = JUnitFile(path, display, huge_tree_limit=policy.huge_tree)
        if policy.junit_retries == "repeated-cases":
            _fold_junit_grouped(groups, tally, junit)
        else:
            _fold_junit_separate(tally, junit)
        problems.extend(junit.problems)
    _flush_groups(groups, tally)
    seen: dict[str, str] = {}
    for path in pw_files:
        display = path.relative_to(root).as_posix()
        files.append(display)
        report = read_playwright(path, display)
        problems.extend(report.problems)
        _fold_playwright(tally, report.tests, display, report.root_dir, seen, problems)
    if files and tally.counts.total == 0:
        problems.append(
            _problem(
                "tests-none-found",
                f"{len(files)} test report file(s) were read but hold no test: the tests SLO "
                "has no data. Fix: check that the test step ran its tests",
                None,
                level="warning",
            )
        )
    if tally.dropped:
        problems.append(
            _problem(
                "tests-failures-truncated",
                f"{tally.dropped} more failing or flaky test(s) are counted but not listed "
                f"(the first {MAX_FAILURES} are)",
                None,
                level="notice",
            )
        )
    failures, annotations = _failures(tally.failing, resolver)
    return TestReport(
        counts=tally.counts.frozen(),
        by_project={name: c.frozen() for name, c in sorted(tally.projects.items())},
        visual=tally.visual.visual(),
        failures=tuple(failures),
        annotations=tuple(annotations),
        files=tuple(files),
        problems=tuple(problems),
    )


def _failures(
    failing: list[_Failing], resolver: PathResolver
) -> tuple[list[TestFailure], list[Annotation]]:
    failures: list[TestFailure] = []
    annotations: list[Annotation] = []
    for item in failing:
        source = resolver.resolve(item.file)
        message = truncate_bytes(item.message, MAX_MESSAGE_BYTES)
        failures.append(
            TestFailure(
                key=item.key,
                message=message,
                file=source or item.file,
                line=item.line,
                outcome=item.outcome,
                project=item.project,
                visual=item.visual,
                attachments=tuple(_attachment_path(a, resolver) for a in item.attachments),
            )
        )
        annotations.append(annotation_for(item, source))
    return failures, annotations


def _attachment_path(raw: str, resolver: PathResolver) -> str:
    return resolver.resolve(raw) or raw


def annotation_for(item: _Failing, source: str | None) -> Annotation:
    """A check-run annotation: on the test's file and line when known, else on the report."""
    verb = {"failed": "failed", "errored": "errored", "flaky": "is flaky"}[item.outcome]
    title = bmp_only(clean_text(f"Test {verb}: {item.title}").replace("\n", " "))
    if source is not None:
        path, line = source, item.line or 1
    else:
        path, line = item.report, item.report_line or 1
    body = item.message or f"the test {verb} without a message"
    if source is None and item.file:
        body = f"(test file {item.file} is not in the workspace)\n{body}"
    return Annotation(
        path=path,
        start_line=max(1, line),
        end_line=max(1, line),
        level="warning" if item.outcome == "flaky" else "failure",
        title=truncate_chars(title, MAX_TITLE_CHARS),
        message=truncate_bytes(bmp_only(body), MAX_MESSAGE_BYTES),
    )


def _problem(
    code: str,
    message: str,
    path: str | None,
    *,
    level: Literal["error", "warning", "notice"] = "error",
) -> Problem:
    return Problem(code=code, message=message, path=path, level=level, source=SOURCE)
