"""A folder tree deeper than Python's recursion limit, made and removed without recursion."""

from __future__ import annotations

import os
from pathlib import Path

LEAF = "leaf.js"


def make_deep(root: Path, depth: int) -> None:
    """``root/d/…/d/leaf.js`` (``depth`` folders), each made relative to its parent, so that no
    path grows too long to create."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(os.open(LEAF, os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    finally:
        os.close(fd)


def remove_deep(root: Path, depth: int) -> None:
    """Undo ``make_deep`` without recursion (``shutil.rmtree`` recurses once per level)."""
    fds = [os.open(root, os.O_RDONLY)]
    try:
        for _ in range(depth):
            fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
        os.unlink(LEAF, dir_fd=fds[-1])
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)
