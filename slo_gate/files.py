"""Writing the files a user asked for (``--json``, ``--markdown``, ``--html``), and reading
untrusted files whole with a size cap (``read_bounded``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TextIO

from slo_gate.errors import UsageError


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (making its folder); a failure names the path and the fix."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}", fix="choose a writable path"
        ) from None


def write_output_or_stdout(path: Path, text: str, out: TextIO) -> None:
    """``-`` means standard output (``--json -``); anything else is a file."""
    if str(path) == "-":
        out.write(text if text.endswith("\n") else text + "\n")
    else:
        write_output(path, text)


class RefusedFile(Exception):
    """A file that is not read: ``reason`` says why (for a problem's message), never raised out
    of a collector — callers turn it into a named ``Problem`` or their own documented error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Opened without blocking and checked before reading, so a FIFO, a device (``/dev/zero``) or
    a folder is refused at once instead of blocking or never ending; a file over ``limit`` is
    refused too. Raises ``RefusedFile`` (with a reason) or ``OSError`` (cannot open or read).
    """
    if "\x00" in os.fspath(path):
        raise RefusedFile("its path contains a NUL byte")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile("it is not a regular file (a FIFO, a device or a folder)")
        if info.st_size > limit:
            raise RefusedFile(f"it is larger than the limit of {limit:,} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise RefusedFile(f"it is larger than the limit of {limit:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)
