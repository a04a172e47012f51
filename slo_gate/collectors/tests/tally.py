"""Outcomes counted as tests stream past, and the failing tests kept (at most ``MAX_FAILURES``).

Counting rules (DESIGN.md "Test outcomes"): a flaky test passed and is also counted as flaky;
``total = passed + failed + errored + skipped``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from slo_gate.collectors.paths import glob_match
from slo_gate.collectors.tests.resolve import PathResolver
from slo_gate.config.policy import TestsPolicy
from slo_gate.measurements import Problem, TestCounts, VisualCounts

Outcome = Literal["passed", "failed", "errored", "skipped", "flaky"]
BadOutcome = Literal["failed", "errored", "flaky"]
SOURCE = "tests"

#: failures kept per run; the counts stay exact beyond it
MAX_FAILURES = 1000


def problem(
    code: str,
    message: str,
    path: str | None,
    *,
    level: Literal["error", "warning", "notice"] = "error",
) -> Problem:
    return Problem(code=code, message=message, path=path, level=level, source=SOURCE)


def path_matches(pattern: str, path: str) -> bool:
    """Whether a '/'-separated path matches a policy glob (the one glob syntax, with braces)."""
    return glob_match(pattern.replace("\\", "/"), path)


@dataclass(slots=True)
class Failing:
    """What a failing (or flaky) test needs for its failure entry."""

    key: str
    title: str
    outcome: BadOutcome
    message: str
    file: str | None
    line: int | None
    project: str | None
    visual: bool
    attachments: tuple[str, ...]
    report: str
    report_line: int | None


class Tally:
    """Folds tests into counts and failures as they stream past."""

    def __init__(self, policy: TestsPolicy, resolver: PathResolver) -> None:
        self.counts: Counter[str] = Counter()
        self.projects: dict[str, Counter[str]] = {}
        self.visual: Counter[str] = Counter()
        self.failing: list[Failing] = []
        self.dropped = 0
        self.resolver = resolver
        self.visual_paths = list(policy.visual.paths)
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
                path_matches(p, norm) or (resolved and path_matches(p, resolved))
                for p in self.visual_paths
            )
            self._path_visual[path] = known
        return known

    # -- folding

    def add(self, outcome: Outcome, project: str | None, visual: bool, n: int = 1) -> None:
        self.counts[outcome] += n
        if project is not None:
            counts = self.projects.get(project)
            if counts is None:
                counts = self.projects[project] = Counter()
            counts[outcome] += n
        if visual:
            self.visual[outcome] += n

    def keep(self, failing: Failing) -> None:
        if len(self.failing) < MAX_FAILURES:
            self.failing.append(failing)
        else:
            self.dropped += 1

    @property
    def full(self) -> bool:
        """No more failures are listed: the next one is only counted (``dropped``)."""
        return len(self.failing) >= MAX_FAILURES

    # -- results

    def total(self) -> TestCounts:
        return TestCounts.of(self.counts)

    def by_project(self) -> dict[str, TestCounts]:
        return {name: TestCounts.of(c) for name, c in sorted(self.projects.items())}

    def visual_counts(self) -> VisualCounts:
        return VisualCounts.of(self.visual)
