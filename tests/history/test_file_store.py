"""The file store never loses a record (issue 12): torn lines, bad bytes, clocks, special files,
and a writer killed with SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from slo_gate.history import file_store
from slo_gate.history.file_store import FileStore, pick_baseline
from slo_gate.records import BundleRecord, Record, SizeRecord

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def rec(day: int, commit: str = "c", branch: str = "main") -> Record:
    return Record(
        recorded_at=datetime(2026, 10, day, tzinfo=UTC),
        commit=commit,
        branch=branch,
        bundles=BundleRecord(total=SizeRecord(raw=1, gzip=1, brotli=1)),
    )


def line(record: Record) -> str:
    return record.model_dump_json(exclude_none=True)


def codes(store: FileStore) -> list[str]:
    return [p.code for p in store.problems]


def test_an_append_after_a_torn_line_starts_on_a_new_line(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    torn = line(rec(2))[:37]
    path.write_text(line(rec(1)) + "\n" + torn, "utf-8")
    store = FileStore(path, "history.jsonl", now=NOW)
    assert [r.recorded_at.day for r in store.read()] == [1]
    assert codes(store) == ["history-torn-line"]
    assert store.problems[0].level == "notice"
    assert store.problems[0].line == 2
    FileStore(path, "history.jsonl", now=NOW).append(rec(3))
    assert path.read_text("utf-8").splitlines()[1:] == [torn, line(rec(3))]
    again = FileStore(path, "history.jsonl", now=NOW)
    assert [r.recorded_at.day for r in again.read()] == [1, 3]  # the new record is not lost
    assert codes(again) == ["history-bad-lines"]  # the fragment, now a whole line, is skipped


def test_a_whole_last_record_without_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(line(rec(1)), "utf-8")
    store = FileStore(path, "h.jsonl", now=NOW)
    assert len(store.read()) == 1
    store.append(rec(2))
    assert [r.recorded_at.day for r in FileStore(path, "h", now=NOW).read()] == [1, 2]


def test_a_bad_byte_skips_its_line_not_the_run(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(
        (line(rec(1)) + "\n").encode()
        + b'{"recorded_at": "\xff"}\n'
        + (line(rec(2)) + "\n").encode()
    )
    store = FileStore(path, "h.jsonl", now=NOW)
    assert [r.recorded_at.day for r in store.read()] == [1, 2]
    assert codes(store) == ["history-bad-lines"]
    assert store.problems[0].line == 2


def test_a_record_without_an_offset_is_read_as_utc(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    naive = '{"recorded_at": "2026-10-05T12:00:00", "commit": "n", "branch": "main"}'
    path.write_text(f"{line(rec(9))}\n{naive}\n{line(rec(1))}\n", "utf-8")
    records = FileStore(path, "h.jsonl", now=NOW).read()  # sorting mixes both kinds
    assert [r.commit for r in records] == ["c", "n", "c"]
    assert records[1].recorded_at == datetime(2026, 10, 5, 12, tzinfo=UTC)


def test_records_from_the_future_are_ignored_and_never_the_baseline(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    future = rec(1, commit="forged").model_copy(
        update={"recorded_at": datetime(9999, 12, 31, tzinfo=UTC)}
    )
    path.write_text(f"{line(rec(1, commit='real'))}\n{line(future)}\n", "utf-8")
    for now in (NOW, None):  # with the run's time, or (without it) the plausibility bound
        store = FileStore(path, "h.jsonl", now=now)
        records = store.read()
        assert [r.commit for r in records] == ["real"]
        assert codes(store) == ["history-future-records"]
        baseline, _ = pick_baseline(records, "main", "other")
        assert baseline is not None and baseline.commit == "real"


def test_special_files_are_refused_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    store = FileStore(fifo, "fifo.jsonl", seed=Path("/dev/zero"), now=NOW)
    assert store.read() == []
    assert codes(store) == ["history-not-a-file", "history-not-a-file"]
    assert store.problems[0].path == "/dev/zero"


def test_limits_on_lines_and_size(tmp_path: Path, monkeypatch: object) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(f"{line(rec(1))}\n{'x' * 5000}\n{line(rec(2))}\n{line(rec(3))}\n", "utf-8")
    mp = monkeypatch
    mp.setattr(file_store, "MAX_LINE_BYTES", 1000)  # type: ignore[attr-defined]
    store = FileStore(path, "h.jsonl", now=NOW)
    assert [r.recorded_at.day for r in store.read()] == [1, 2, 3]
    assert codes(store) == ["history-bad-lines"]
    mp.setattr(file_store, "MAX_HISTORY_BYTES", len(line(rec(1))) + 10)  # type: ignore[attr-defined]
    small = FileStore(path, "h.jsonl", now=NOW)
    assert [r.recorded_at.day for r in small.read()] == [1]
    assert "history-too-large" in codes(small)


WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from slo_gate.history.file_store import FileStore
from slo_gate.records import BundleRecord, FileRecord, Record, SizeRecord

store = FileStore(Path(sys.argv[1]), "h")
sha = "ab" * 32
files = {f"a/f{i}.js": FileRecord(sha256=sha, raw=i, gzip=i, brotli=i) for i in range(300)}
total = SizeRecord(raw=1, gzip=1, brotli=1)
print("ready", flush=True)
n = 0
while True:
    n += 1
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n)
    bundles = BundleRecord(total=total, files=files)
    store.append(Record(recorded_at=when, commit=f"{sys.argv[2]}-{n}", bundles=bundles))
"""


def test_a_writer_killed_at_random_moments_loses_no_complete_record(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    rng = random.Random(12)  # reproducible kill moments
    for attempt in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"w{attempt}"],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.02, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\n")
    complete = lines[:-1]  # the last part has no newline: empty, or a torn write
    assert len(complete) > 4
    commits: list[str] = []
    for index, raw in enumerate(complete):
        assert raw.count('"recorded_at"') <= 1  # no record merged into another
        try:
            commits.append(Record.model_validate_json(raw).commit or "")
        except ValueError:
            # a fragment torn by a kill is whole lines' worth only when a later append followed
            assert index + 1 < len(complete) or lines[-1] == ""
            assert not raw.endswith("}")
    store = FileStore(path, "h", now=datetime(2026, 2, 1, tzinfo=UTC))
    read = [r.commit or "" for r in store.read()]
    assert sorted(read) == sorted(commits)  # every complete line is a record that is read
    for attempt in range(4):  # each writer's records are consecutive: none lost in between
        mine = [int(c.split("-")[1]) for c in commits if c.startswith(f"w{attempt}-")]
        assert mine == list(range(1, len(mine) + 1))
    json.dumps([p.model_dump() for p in store.problems])
