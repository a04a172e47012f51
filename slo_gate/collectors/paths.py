"""Safe file-system access under a root: globbing without following links out of the root.

Inputs may come from forks, so a symlink that leads outside the root is never followed: it is
reported. Paths shown to users are relative to the root, with '/' separators.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath


@dataclass
class Tree:
    """The regular files under ``root`` (relative POSIX paths) and the links that escape it."""

    root: Path
    files: list[str] = field(default_factory=list)
    escaping_links: list[str] = field(default_factory=list)


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob with ``**`` (any depth), ``*``, ``?`` and ``[...]`` into a regex."""
    out: list[str] = []
    i = 0
    pattern = pattern.lstrip("/").removeprefix("./")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(pattern: str, path: str) -> bool:
    return glob_regex(pattern).match(path) is not None


def inside(root: Path, target: Path) -> bool:
    """Whether ``target`` (already resolved) lies within ``root`` (already resolved)."""
    try:
        target.relative_to(root)
    except ValueError:
        return False
    return True


def walk(root: Path) -> Tree:
    """List regular files under ``root``; links inside the root are kept, escaping ones reported."""
    real_root = root.resolve()
    tree = Tree(root=root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in list(dirnames):
            sub = base / name
            if sub.is_symlink():
                rel = sub.relative_to(root).as_posix()
                if not inside(real_root, sub.resolve()):
                    tree.escaping_links.append(rel)
        for name in filenames:
            full = base / name
            rel = full.relative_to(root).as_posix()
            if full.is_symlink() and not inside(real_root, full.resolve()):
                tree.escaping_links.append(rel)
                continue
            # Only regular files: a FIFO or device would block or never end when read.
            if full.is_file():
                tree.files.append(rel)
    tree.files.sort()
    tree.escaping_links.sort()
    return tree


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
