"""The local history store: one JSON object per line, appended; plus an optional read-only seed.

The seed is the "embedded default history" of the bundled example: records that are read but
never written. Bad lines are reported with their line numbers and skipped, never fatal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from slo_gate.errors import HistoryError
from slo_gate.history.store import HistoryStore
from slo_gate.measurements import Problem
from slo_gate.records import FileRecord, Record


class FileStore(HistoryStore):
    def __init__(self, path: Path, shown: str, seed: Path | None = None) -> None:
        self.path = path
        self.shown = shown
        self.seed = seed
        self.name = f"file {shown}"
        self._problems: list[Problem] = []
        self._records: list[Record] | None = None

    @property
    def problems(self) -> Sequence[Problem]:
        return tuple(self._problems)

    def _read_file(self, path: Path, shown: str) -> list[Record]:
        records: list[Record] = []
        bad: list[int] = []
        try:
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        records.append(Record.model_validate_json(line))
                    except ValidationError:
                        bad.append(number)
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise HistoryError(
                f"cannot read the history file {shown}: {exc}",
                fix="check its permissions, or point --history at another file",
            ) from None
        if bad:
            shown_lines = ", ".join(str(n) for n in bad[:5]) + (" …" if len(bad) > 5 else "")
            self._problems.append(
                Problem(
                    code="history-bad-lines",
                    message=f"{shown}: {len(bad)} line(s) are not history records and were "
                    f"skipped (lines {shown_lines})",
                    path=shown,
                    line=bad[0],
                    level="warning",
                    source="history",
                )
            )
        return records

    def read(self) -> Sequence[Record]:
        if self._records is None:
            records: list[Record] = []
            if self.seed is not None:
                records.extend(self._read_file(self.seed, str(self.seed)))
            records.extend(self._read_file(self.path, self.shown))
            records.sort(key=lambda r: r.recorded_at)
            self._records = records
        return self._records

    def append(self, record: Record) -> None:
        line = record.model_dump_json(exclude_none=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_APPEND: concurrent local writers each add whole lines.
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as exc:
            raise HistoryError(
                f"cannot write the history file {self.shown}: {exc}",
                fix="make its folder writable, or pass --no-record",
            ) from None
        if self._records is not None:
            self._records.append(record)


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


def dumps_records(records: Sequence[Record]) -> str:
    return "".join(json.dumps(r.model_dump(mode="json", exclude_none=True)) + "\n" for r in records)
