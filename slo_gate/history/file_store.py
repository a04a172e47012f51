"""The local history store: one JSON object per line, appended; plus an optional read-only seed.

The seed is the "embedded default history" of the bundled example: records that are read but
never written. Reading never fails on content (issue 12: history never loses a record):

- each line is decoded and validated on its own; a line that is not UTF-8 or not a record is
  reported with its line number and skipped (never the whole file);
- a last line without its newline is a torn write (a killed run, a full disk): it is reported
  as a notice and skipped, unless it is a whole record;
- a record whose ``recorded_at`` has no UTC offset is read as UTC;
- a record dated after the run's ``now`` (or, when no ``now`` is given, after
  ``LATEST_PLAUSIBLE``) is ignored with a notice, so it can never become the baseline;
- only regular files are read (a FIFO or ``/dev/zero`` as the seed is refused, never read),
  lines longer than ``MAX_LINE_BYTES`` are skipped, and reading stops at ``MAX_HISTORY_BYTES``
  (``MAX_SEED_BYTES`` for the seed) with a problem.

Appending writes the whole line with one ``write`` on an ``O_APPEND`` descriptor, first adding a
newline when the file does not end with one, then ``fsync``: a kill at any instant leaves every
complete record on its own line (at worst a torn fragment, which the reader skips).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import ValidationError

from slo_gate.errors import HistoryError
from slo_gate.formatting import counted
from slo_gate.history.store import HistoryStore
from slo_gate.measurements import Problem
from slo_gate.records import FileRecord, Record

MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_HISTORY_BYTES = 1024 * 1024 * 1024
MAX_SEED_BYTES = 64 * 1024 * 1024
#: without the run's ``now``, records dated after this are taken as clock errors
LATEST_PLAUSIBLE = datetime(2200, 1, 1, tzinfo=UTC)
#: clocks of the machines that wrote the history may run this much ahead of this run's
CLOCK_SKEW = timedelta(hours=1)


def _lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None, bool]]:
    """``(number, line without newline or None if too long, ended by a newline)``."""
    number = 0
    read = 0
    while read < limit:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        read += len(line)
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the long line
                line = handle.readline(MAX_LINE_BYTES)
                read += len(line)
            yield number, None, True
            continue
        ended = line.endswith(b"\n")
        yield number, line.rstrip(b"\r\n") if ended else line, ended


def as_utc(record: Record) -> Record:
    """A ``recorded_at`` without a UTC offset is read as UTC (older writers left it out)."""
    if record.recorded_at.tzinfo is None:
        return record.model_copy(update={"recorded_at": record.recorded_at.replace(tzinfo=UTC)})
    return record


class FileStore(HistoryStore):
    """History in a JSON-lines file (see the module docstring for what reading tolerates).

    ``now`` is the run's time: records dated after it (plus ``CLOCK_SKEW``) are ignored.
    """

    def __init__(
        self, path: Path, shown: str, seed: Path | None = None, now: datetime | None = None
    ) -> None:
        self.path = path
        self.shown = shown
        self.seed = seed
        self.now = now
        self.name = f"file {shown}"
        self._problems: list[Problem] = []
        self._records: list[Record] | None = None

    @property
    def problems(self) -> Sequence[Problem]:
        return tuple(self._problems)

    def _problem(
        self,
        code: str,
        shown: str,
        message: str,
        line: int | None = None,
        level: Literal["error", "warning", "notice"] = "warning",
    ) -> None:
        self._problems.append(
            Problem(
                code=code,
                message=f"{shown}: {message}",
                path=shown,
                line=line,
                level=level,
                source="history",
            )
        )

    def _open(self, path: Path, shown: str) -> BinaryIO | None:
        """The file opened for reading; ``None`` (with a problem) when it must not be read."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except ValueError:  # a NUL byte in the path
            self._problem("history-bad-path", shown, "the path contains a NUL byte", None, "error")
            return None
        except OSError as exc:
            raise HistoryError(
                f"cannot read the history file {shown}: {exc.strerror or exc}",
                fix="check its permissions, or point --history at another file",
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            self._problem(
                "history-not-a-file",
                shown,
                "is not a regular file (a FIFO, a device or a folder); it was not read: "
                "point the history (or its seed) at a JSON-lines file",
                None,
                "error",
            )
            return None
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")

    def _read_file(self, path: Path, shown: str, limit: int) -> list[Record]:
        records: list[Record] = []
        bad: list[int] = []
        future: list[int] = []
        handle = self._open(path, shown)
        if handle is None:
            return []
        latest = self.now + CLOCK_SKEW if self.now is not None else LATEST_PLAUSIBLE
        number = 0
        with handle:
            for number, line, ended in _lines(handle, limit):
                if line is None:
                    bad.append(number)
                    continue
                if not line.strip():
                    continue
                try:
                    record = as_utc(Record.model_validate_json(line.decode("utf-8")))
                except (UnicodeDecodeError, ValidationError, ValueError, RecursionError):
                    if ended:
                        bad.append(number)
                    else:
                        self._problem(
                            "history-torn-line",
                            shown,
                            f"the last line ({number}) is incomplete, left by a run that was "
                            "stopped while writing; it was skipped, and the next record starts "
                            "on a new line",
                            number,
                            "notice",
                        )
                    continue
                if record.recorded_at > latest:
                    future.append(number)
                    continue
                records.append(record)
            if handle.tell() >= limit and handle.read(1):
                self._problem(
                    "history-too-large",
                    shown,
                    f"is larger than the limit of {limit:,} bytes; the records after line "
                    f"{number} were not read: archive old records to another file",
                    number,
                )
        if bad:
            shown_lines = ", ".join(str(n) for n in bad[:5]) + (" …" if len(bad) > 5 else "")
            self._problem(
                "history-bad-lines",
                shown,
                f"{counted(len(bad), 'line')} skipped, not history records (lines {shown_lines})",
                bad[0],
            )
        if future:
            when = "this run's time" if self.now is not None else "the year 2200"
            self._problem(
                "history-future-records",
                shown,
                f"{counted(len(future), 'record')} dated after {when} ignored (first at line "
                f"{future[0]}): the clock of the machine that wrote them was wrong",
                future[0],
                "notice",
            )
        return records

    def read(self) -> Sequence[Record]:
        if self._records is None:
            records: list[Record] = []
            if self.seed is not None:
                records.extend(self._read_file(self.seed, str(self.seed), MAX_SEED_BYTES))
            records.extend(self._read_file(self.path, self.shown, MAX_HISTORY_BYTES))
            records.sort(key=lambda r: r.recorded_at)
            self._records = records
        return self._records

    def append(self, record: Record) -> None:
        line = (record.model_dump_json(exclude_none=True) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_APPEND: concurrent local writers each add whole lines.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise OSError("not a regular file")
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # never join a record to a torn last line
                view = memoryview(line)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise HistoryError(
                f"cannot write the history file {self.shown}: {why}",
                fix="make its folder writable, or pass --no-record",
            ) from None
        if self._records is not None:
            self._records.append(as_utc(record))


def known_files(records: Sequence[Record]) -> dict[str, FileRecord]:
    """Sizes by content hash from every record: unchanged files need no recompression."""
    known: dict[str, FileRecord] = {}
    for record in records:
        if record.bundles is not None:
            for file in record.bundles.files.values():
                known[file.sha256] = file
    return known


def pick_baseline(
    records: Sequence[Record], branch: str | None, commit: str | None, ref: str | None = None
) -> tuple[Record | None, str]:
    """The record to compare with, and why it was chosen.

    ``ref`` (``--baseline``) names a commit (a prefix is enough) or a branch. Otherwise the last
    record of the same branch made on another commit.
    """
    with_bundles = [r for r in records if r.bundles is not None]
    if ref:
        for record in reversed(with_bundles):
            if (record.commit and record.commit.startswith(ref)) or record.branch == ref:
                return record, f"--baseline {ref}"
        return None, f"no record matches --baseline {ref}"
    for record in reversed(with_bundles):
        if record.branch == branch and (commit is None or record.commit != commit):
            return record, f"last record of branch {branch}"
    return None, f"no earlier record of branch {branch}" if branch else "no earlier record"


def no_baseline_notice(
    history: Sequence[Record], branch: str | None, commit: str | None
) -> list[Problem]:
    """No earlier check of this branch to compare with: say why, and the ``--baseline`` to name.

    Either the branch's only records are of this same commit (a re-run, or changes not yet
    committed), or the branch has none and other branches have some.
    """
    others: dict[str, None] = {}  # latest record first
    same = False
    for record in reversed(history):
        if record.bundles is None or not record.branch:
            continue
        if record.branch != branch:
            others.setdefault(record.branch)
        elif commit is not None and record.commit == commit:
            same = True
    names = list(others)
    this = f"branch {branch}" if branch else "this branch"
    also = f"; --baseline {names[0]} with the last record of {names[0]}" if names else ""
    if same and commit:
        return [
            _history_notice(
                "baseline-same-commit",
                f"sizes are shown without deltas: the recorded checks of {this} are all of this "
                f"same commit ({commit[:12]}), and a check compares with an earlier commit's. "
                f"Fix: --baseline {commit[:12]} compares with that record (while changes are "
                f"not committed yet){also}",
            )
        ]
    if not names:
        return []
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return [
        _history_notice(
            "baseline-other-branch",
            f"sizes are shown without deltas: no earlier check of {this} is recorded, but "
            f"{shown} {'has' if len(names) == 1 else 'have'} records. Fix: --baseline "
            f"{names[0]} compares with the last record of {names[0]} (a pull request in GitHub "
            "Actions is compared with its base branch by itself)",
        )
    ]


def _history_notice(code: str, message: str) -> Problem:
    return Problem(code=code, message=message, level="notice", source="history")


def dumps_records(records: Sequence[Record]) -> str:
    return "".join(json.dumps(r.model_dump(mode="json", exclude_none=True)) + "\n" for r in records)
