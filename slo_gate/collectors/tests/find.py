"""Report files from the policy's globs: relative to the workspace, never outside it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from slo_gate.collectors.paths import expand_glob, pattern_problem
from slo_gate.collectors.tests.tally import problem
from slo_gate.measurements import Problem

_GLOB_CHARS = frozenset("*?[{")


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
        # the one glob syntax (slo_gate.globs); relative patterns are anchored at the workspace
        why = pattern_problem(pattern)
        if why is not None:
            problems.append(problem("tests-bad-pattern", f"{kind} pattern {why}", None))
            continue
        matches = expand_glob(root, pattern, "tests")
        files = outside = 0
        for match in matches:
            candidate = (root / match).resolve()
            if not candidate.is_relative_to(root):
                problems.append(
                    problem(
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
                problem(
                    "tests-report-missing",
                    f"{kind} pattern {pattern!r} ({hint}) matches no file under the workspace. "
                    "Fix: check that the test step wrote its report there, or correct "
                    f"tests.{kind} / --{kind}",
                    None,
                )
            )
    return list(found), problems
