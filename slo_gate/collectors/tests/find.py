"""Report files from the policy's globs: relative to the workspace, never outside it.

Matching uses the bounded walk of ``collectors.paths`` (as bundles and server logs do): only the
folders below a pattern's literal prefix are walked, iteratively, with depth and file-count caps;
directory links are never followed (a link loop cannot trap it), file links that leave the
workspace are reported and not read, and only regular files are listed. Each limit met is a
named problem, never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from slo_gate.collectors.paths import MAX_MATCHES, glob_files, normalise, pattern_problem
from slo_gate.collectors.tests.tally import problem
from slo_gate.measurements import Problem

_GLOB_CHARS = frozenset("*?[{")


def _relative(workspace: Path, root: Path, pattern: str) -> str | None:
    """The pattern relative to the workspace, ``.`` and ``..`` collapsed; None when it (its
    literal part) lies outside. Absolute patterns are accepted when they point inside."""
    posix = pattern.replace("\\", "/") if os.sep == "\\" else pattern
    if PurePosixPath(posix).is_absolute():
        for base in (root, workspace.absolute()):
            try:
                posix = PurePosixPath(posix).relative_to(base.as_posix()).as_posix()
                break
            except ValueError:
                continue
        else:
            return None
    return normalise(posix)


def _outside(kind: str, pattern: str, match: str) -> Problem:
    return problem(
        "tests-path-outside-workspace",
        f"{kind} pattern {pattern!r} matches {match!r}, which lies outside the "
        "workspace; it is not read. Fix: keep reports inside the workspace",
        None,
    )


def find_reports(
    workspace: Path, patterns: Sequence[str], kind: str
) -> tuple[list[Path], list[Problem]]:
    """Expand globs relative to the workspace; every file must lie inside it.

    A pattern that matches no file is a problem (the report step did not run, or wrote
    elsewhere), and so is a pattern or a match that leads out of the workspace (``..`` or a
    symlink), a pattern that cannot be used, and more than ``MAX_MATCHES`` files for one pattern.
    """
    root = workspace.resolve()
    found: dict[Path, None] = {}
    problems: list[Problem] = []
    for pattern in patterns:
        why = pattern_problem(pattern)
        if why is not None:
            problems.append(
                problem(
                    "tests-bad-pattern",
                    f"{kind} pattern {pattern[:200]!r} {why}. Fix: correct tests.{kind} / --{kind}",
                    None,
                )
            )
            continue
        relative = _relative(workspace, root, pattern)
        if relative is None:
            problems.append(_outside(kind, pattern, pattern))
            continue
        matched = glob_files(root, relative, source="tests")
        problems.extend(matched.problems)
        problems.extend(_outside(kind, pattern, link) for link in matched.escaping_links)
        if len(matched.files) > MAX_MATCHES:
            problems.append(
                problem(
                    "tests-too-many-reports",
                    f"{kind} pattern {pattern!r} matched {len(matched.files)} files, more than "
                    f"the limit of {MAX_MATCHES}; only the first {MAX_MATCHES} were read. Fix: "
                    "narrow the pattern or merge the reports",
                    None,
                )
            )
            del matched.files[MAX_MATCHES:]
        found.update(dict.fromkeys(root / rel for rel in matched.files))
        if not matched.files and not matched.escaping_links:
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
