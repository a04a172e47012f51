"""Typed measurements: what collectors hand to the engine.

Collectors turn files and API data into these models; bad input becomes a ``Problem`` (data,
not an exception). The engine reads only these models, never files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ProblemLevel = Literal["error", "warning", "notice"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(Frozen):
    """Something wrong with an input, named so that a user can find and fix it."""

    code: str = Field(description="stable machine-readable name, e.g. 'bundle-missing-asset'")
    message: str
    path: str | None = None
    line: int | None = None
    level: ProblemLevel = "error"
    source: str = Field("", description="which part of slo-gate found it: bundles, junit, ...")

    @field_validator("code", "message", "path")
    @classmethod
    def _encodable(cls, value: str | None) -> str | None:
        """Lone surrogates (a file name that is not UTF-8) become U+FFFD: JSON can hold it."""
        if value is None:
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
        return value


# ----------------------------------------------------------------------------- bundles


class FileSize(Frozen):
    """One emitted file, measured once however many widgets load it."""

    path: str = Field(description="path relative to the bundle root, with '/' separators")
    sha256: str
    raw: int
    gzip: int
    brotli: int
    cached: bool = Field(False, description="sizes taken from history: same content hash")


class WidgetFiles(Frozen):
    """A widget: its name, entry and every local file it loads (each once)."""

    name: str
    entry: str
    files: tuple[str, ...]


class CompressionInfo(Frozen):
    gzip_level: int = 9
    brotli_quality: int = 11
    brotli_window: int = 22
    zlib_version: str
    brotli_version: str


class BundleMeasurement(Frozen):
    root: str
    mode: Literal["html", "vite_manifest", "glob"]
    widgets: tuple[WidgetFiles, ...]
    files: dict[str, FileSize]
    compression: CompressionInfo
    problems: tuple[Problem, ...] = ()


# ----------------------------------------------------------------------------- tests


class TestCounts(Frozen):
    __test__ = False

    total: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    skipped: int = 0
    flaky: int = 0

    @classmethod
    def of(cls, outcomes: Mapping[str, int]) -> TestCounts:
        """Counts from outcome -> number of tests; a flaky test passed and is also flaky."""
        flaky = outcomes.get("flaky", 0)
        return cls(
            total=sum(outcomes.values()),
            passed=outcomes.get("passed", 0) + flaky,
            failed=outcomes.get("failed", 0),
            errored=outcomes.get("errored", 0),
            skipped=outcomes.get("skipped", 0),
            flaky=flaky,
        )


class VisualCounts(Frozen):
    total: int = 0
    passed: int = 0
    failed: int = 0
    flaky: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, outcomes: Mapping[str, int]) -> VisualCounts:
        """Visual counts from outcome -> number of tests (an errored test failed)."""
        counts = TestCounts.of(outcomes)
        return cls(
            total=counts.total,
            passed=counts.passed,
            failed=counts.failed + counts.errored,
            flaky=counts.flaky,
            skipped=counts.skipped,
        )

    @property
    def pass_rate(self) -> float | None:
        """Passing (flaky passes included) over executed visual tests; None when none ran."""
        executed = self.passed + self.failed
        return None if executed == 0 else self.passed / executed


class Annotation(Frozen):
    """A check-run annotation, built as data; the publisher sends it."""

    path: str
    start_line: int = 1
    end_line: int = 1
    level: Literal["notice", "warning", "failure"] = "failure"
    title: str = ""
    message: str = ""


class TestFailure(Frozen):
    """A failing (or flaky) test: everything its annotation needs travels in the verdict."""

    __test__ = False

    key: str
    message: str = ""
    file: str | None = None
    line: int | None = None
    #: the test's name as people read it (suite › test [project])
    title: str = ""
    #: ``file`` is a path in the workspace (else it is the report's own spelling)
    in_workspace: bool = False
    #: the report file that holds the test, and its line there (JUnit), for the annotation
    #: when the test's own file is not in the workspace
    report: str | None = None
    report_line: int | None = None
    outcome: Literal["failed", "errored", "flaky"] = "failed"
    project: str | None = None
    visual: bool = False
    attachments: tuple[str, ...] = ()


class TestReport(Frozen):
    __test__ = False

    counts: TestCounts = TestCounts()
    by_project: dict[str, TestCounts] = Field(default_factory=dict)
    visual: VisualCounts = VisualCounts()
    failures: tuple[TestFailure, ...] = ()
    files: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()


# ----------------------------------------------------------------------------- all of it


class Measurements(Frozen):
    """Everything collected for one gate run."""

    bundles: BundleMeasurement | None = None
    tests: TestReport | None = None
    problems: tuple[Problem, ...] = ()
