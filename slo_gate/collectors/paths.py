"""Safe file-system access under a root: globbing without following links out of the root.

Inputs may come from forks, so a symlink that leads outside the root is never followed: it is
reported. Paths shown to users are relative to the root, with '/' separators.

Walking is bounded (``WalkLimits``): it is iterative (no recursion, whatever the depth), it
never descends into a directory link (so a link loop cannot make it run forever), it lists only
regular files (a FIFO or a device would block or never end when read), it stops at a depth and
a file-count cap, and a name that is not UTF-8 is skipped. Each limit met is a named ``Problem``
in ``Tree.problems``, never an exception. Globs are matched by ``slo_gate.globs.glob_match``,
linear in the pattern times the path (no backtracking regular expression).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from slo_gate.globs import glob_match as glob_match
from slo_gate.globs import glob_problem
from slo_gate.globs import glob_regex as glob_regex
from slo_gate.measurements import Problem

#: folders deeper than this under a walked root are not entered
MAX_DEPTH = 64
#: a walk lists at most this many files
MAX_FILES = 200_000


#: a glob may match at most this many files (the rest are named in a problem, not read)
MAX_MATCHES = 10_000


@dataclass(frozen=True)
class WalkLimits:
    max_depth: int = MAX_DEPTH
    max_files: int = MAX_FILES
    #: the depth is the pattern's own (no `**`): deeper folders are simply not searched
    quiet_depth: bool = False


@dataclass
class Tree:
    """The regular files under ``root`` (relative POSIX paths) and the links that escape it."""

    root: Path
    files: list[str] = field(default_factory=list)
    escaping_links: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def shown_name(name: str) -> str:
    """A name safe to print and serialise: undecodable bytes become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def pattern_problem(pattern: str) -> str | None:
    """Why a glob from a policy cannot be used (``None`` when it can); see ``slo_gate.globs``."""
    return glob_problem(pattern)


def inside(root: Path, target: Path) -> bool:
    """Whether ``target`` (already resolved) lies within ``root`` (already resolved)."""
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def walk(
    root: Path,
    limits: WalkLimits = WalkLimits(),
    shown_root: str = "",
    source: str = "bundles",
    boundary: Path | None = None,
) -> Tree:
    """List regular files under ``root``; links inside the root are kept, escaping ones reported.

    Directory links are never descended into (as ``os.walk(followlinks=False)``); file links
    that stay inside ``boundary`` (default: the root) count as the file they name. See the
    module docstring for the limits.
    """
    real_root = Path(os.path.realpath(boundary if boundary is not None else root))
    tree = Tree(root=root)
    prefix = f"{shown_root}/" if shown_root not in ("", ".") else ""

    def problem(code: str, rel: str, message: str, level: str = "warning") -> None:
        tree.problems.append(
            Problem(
                code=code,
                message=message,
                path=prefix + rel if rel else (shown_root or "."),
                level=level,  # type: ignore[arg-type]
                source=source,
            )
        )

    stack: list[tuple[str, str, int]] = [(os.fspath(root), "", 0)]
    while stack:
        folder, rel_folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problem(
                "walk-unreadable-folder",
                rel_folder,
                f"cannot list {prefix + rel_folder or shown_root or '.'}: "
                f"{exc.strerror or exc}; its files are not counted",
            )
            continue
        subfolders: list[tuple[str, str, int]] = []
        for entry in entries:
            if not is_utf8(entry.name):
                bad = shown_name(f"{rel_folder}/{entry.name}" if rel_folder else entry.name)
                problem(
                    "path-not-utf8",
                    bad,
                    f"{prefix}{bad}: the name is not valid UTF-8, so it is skipped; "
                    "rename it with UTF-8 characters",
                )
                continue
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            kind = _kind(entry, real_root)
            if kind == "escaping":
                tree.escaping_links.append(rel)
            elif kind == "loop":
                problem(
                    "path-link-loop",
                    rel,
                    f"{prefix}{rel} is a symbolic link that loops (or is too deep to resolve); "
                    "it is skipped: remove or fix the link",
                )
            elif kind == "special":
                problem(
                    "path-special-file",
                    rel,
                    f"{prefix}{rel} is not a regular file (a FIFO, socket or device); it is "
                    "never read: remove it from the folder",
                )
            elif kind == "dir":
                if depth + 1 > limits.max_depth:
                    if limits.quiet_depth:
                        continue
                    problem(
                        "walk-too-deep",
                        rel,
                        f"{prefix}{rel} lies more than {limits.max_depth} folders deep; it is "
                        "not entered: flatten the folder or point the policy at a shallower one",
                    )
                else:
                    subfolders.append((entry.path, rel, depth + 1))
            elif kind == "file":
                if len(tree.files) >= limits.max_files:
                    problem(
                        "walk-too-many-files",
                        rel,
                        f"more than {limits.max_files} files under {shown_root or '.'}; the "
                        f"walk stopped at {prefix}{rel}: point the policy at a smaller folder",
                        "error",
                    )
                    stack.clear()
                    subfolders.clear()
                    break
                tree.files.append(rel)
        stack.extend(reversed(subfolders))
    tree.files.sort()
    tree.escaping_links.sort()
    return tree


_ALWAYS_SHOWN = frozenset(
    {"walk-too-deep", "walk-too-many-files", "walk-unreadable-folder", "path-not-utf8"}
)


def glob_files(root: Path, pattern: str, source: str, limits: WalkLimits = WalkLimits()) -> Tree:
    """The regular files under ``root`` that a glob matches (paths relative to ``root``).

    Only the folders below the pattern's literal prefix are walked (``logs/mcp/*.jsonl`` walks
    ``logs/mcp`` one level deep); ``escaping_links`` holds matching links that leave ``root``.
    Problems about names the pattern does not match (a FIFO beside the logs) are left out.
    """
    pattern = pattern.lstrip("/").removeprefix("./")
    segments = pattern.split("/")
    literal: list[str] = []
    for segment in segments[:-1]:
        if any(c in segment for c in "*?[{"):
            break
        literal.append(segment)
    prefix = "/".join(s for s in literal if s not in ("", "."))
    rest = segments[len(literal) :]
    tree = Tree(root=root)
    base = root / prefix if prefix else root
    if not base.is_dir():
        return tree
    if not inside(Path(os.path.realpath(root)), Path(os.path.realpath(base))):
        tree.escaping_links.append(prefix)
        return tree
    deep = any("**" in segment for segment in rest)
    depth = limits.max_depth if deep else min(len(rest) - 1, limits.max_depth)
    found = walk(
        base,
        WalkLimits(depth, limits.max_files, quiet_depth=not deep),
        shown_root=prefix,
        source=source,
        boundary=root,
    )
    join = (lambda rel: f"{prefix}/{rel}") if prefix else (lambda rel: rel)
    tree.files = [join(f) for f in found.files if glob_match(pattern, join(f))]
    tree.escaping_links = [join(f) for f in found.escaping_links if glob_match(pattern, join(f))]
    tree.problems = [
        p
        for p in found.problems
        if p.code in _ALWAYS_SHOWN or (p.path is not None and glob_match(pattern, p.path))
    ]
    return tree


def _kind(entry: os.DirEntry[str], real_root: Path) -> str:
    """dir, file, escaping, loop, special or missing (a broken link) for one listing entry."""
    try:
        if entry.is_symlink():
            target = Path(os.path.realpath(entry.path))
            if not inside(real_root, target):
                return "escaping"
            if entry.is_dir(follow_symlinks=False):  # pragma: no cover - a link is not a dir
                return "dir"
            info = entry.stat(follow_symlinks=True)
            if stat.S_ISDIR(info.st_mode):
                return "link-dir"  # never followed: a link loop cannot trap the walk
            return "file" if stat.S_ISREG(info.st_mode) else "special"
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        mode = entry.stat(follow_symlinks=False).st_mode
        return "file" if stat.S_ISREG(mode) else "special"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "loop"
        return "missing"


def normalise(path: str) -> str | None:
    """Collapse ``.`` and ``..`` in a relative POSIX path; ``None`` if it climbs above its root."""
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part == "/":
            continue
        else:
            parts.append(part)
    return "/".join(parts)


def expand_glob(root: Path, pattern: str, source: str) -> list[str]:
    """Paths (relative to ``root``, or absolute for an absolute pattern) that a glob matches.

    The same syntax and matcher as every other pattern (``slo_gate.globs``); the walk is
    ``glob_files``' (bounded, links not followed). Matches that leave ``root`` are returned too,
    so that the caller can name them.
    """
    if pattern.startswith("/"):
        anchor = Path("/")
        tree = glob_files(anchor, pattern, source)
        return sorted(f"/{f}" for f in [*tree.files, *tree.escaping_links])
    tree = glob_files(root, pattern, source)
    return sorted([*tree.files, *tree.escaping_links])
