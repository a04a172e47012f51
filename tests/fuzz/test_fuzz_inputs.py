"""Fuzzing the readers of untrusted input (issue 12).

Each reader gets generated and mutated input (hypothesis, derandomized, few examples; or a
seeded mutation loop) and must either return its result, with bad input as ``Problem`` data,
or raise one of slo-gate's documented errors (``SloGateError`` subclasses) — never anything
else. Bounded so that the whole module runs in a few seconds.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slo_gate.collectors.bundles import collect_bundles
from slo_gate.collectors.server_logs import collect_server_logs
from slo_gate.config.loader import parse_policy
from slo_gate.config.policy import BudgetPolicy, BundlesPolicy, ServerPolicy
from slo_gate.errors import HistoryError, InputError, PolicyError
from slo_gate.github.artifacts import extract_files
from slo_gate.history.file_store import CLOCK_SKEW, FileStore
from slo_gate.measurements import Problem
from slo_gate.records import BundleRecord, Record, SizeRecord
from tests.hostile import runner_commands

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_POLICY = (ROOT / "docs" / "policy-example.yml").read_bytes()
NOW = datetime(2026, 11, 1, tzinfo=UTC)
FAST = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def mutate(data: bytes, rng: random.Random, edits: int) -> bytes:
    """Flip, insert, delete and duplicate bytes at random places (seeded)."""
    buf = bytearray(data)
    for _ in range(edits):
        if not buf:
            buf.extend(b"\x00")
        i = rng.randrange(len(buf))
        kind = rng.randrange(5)
        if kind == 0:
            buf[i] = rng.randrange(256)
        elif kind == 1:
            buf.insert(i, rng.choice(b"{}[]:,&*!|>-\"'\n\t #%.0123456789eE\xff\x00"))
        elif kind == 2:
            del buf[i]
        elif kind == 3:
            j = min(len(buf), i + rng.randrange(1, 64))
            buf[i:i] = buf[i:j]
        else:
            buf[i : i + 1] = rng.choice([b".inf", b"1e+400", b"9" * 40, b"&x", b"*x", b"\n  "])
    return bytes(buf)


def assert_problems_serialise(problems: tuple[Problem, ...] | list[Problem]) -> None:
    json.dumps([p.model_dump(mode="json") for p in problems])


# ----------------------------------------------------------------------------- policy loader


def test_policy_loader_on_mutated_policies() -> None:
    rng = random.Random(1201)
    for _ in range(200):
        data = mutate(EXAMPLE_POLICY, rng, rng.randrange(1, 8))
        text = data.decode("utf-8", errors="replace")
        try:
            parse_policy(text, "fuzz.yml")
        except PolicyError as error:
            rendered = error.render("f" * 32)
            assert rendered.startswith(("error: ", "::stop-commands::"))
            assert runner_commands(rendered) in ([], ["stop-commands", "resume"])


YAML_BITS = st.sampled_from(
    [
        "a:",
        " ",
        "\n",
        "  ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x ",
        "*x",
        "!!float ",
        ".inf",
        "1e+400",
        "9" * 30,
        "bundles:",
        "budget:",
        "window: ",
        "30d",
        "'",
        '"',
        "? ",
        "|",
        ">",
    ]
)


@FAST
@given(st.lists(YAML_BITS, max_size=30))
def test_policy_loader_on_generated_yaml(bits: list[str]) -> None:
    try:
        loaded = parse_policy("".join(bits), "fuzz.yml")
    except PolicyError as error:
        assert error.message
        assert runner_commands(error.render("f" * 32)) in ([], ["stop-commands", "resume"])
    else:
        assert loaded.path == "fuzz.yml"


# ----------------------------------------------------------------------------- Vite manifest

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
CHUNK = st.fixed_dictionaries(
    {},
    optional={
        "file": JSON_VALUES | st.just("a.js"),
        "css": JSON_VALUES | st.just(["a.css"]),
        "imports": JSON_VALUES | st.just(["b.html"]),
        "dynamicImports": JSON_VALUES,
        "isEntry": JSON_VALUES | st.just(True),
    },
)


@FAST
@given(st.dictionaries(st.sampled_from(["a.html", "b.html", "c"]), CHUNK | JSON_VALUES, max_size=3))
def test_manifest_reader(manifest: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "dist"
        (root / ".vite").mkdir(parents=True)
        (root / "a.js").write_text("import './a.css'", "utf-8")
        (root / ".vite" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        policy = BundlesPolicy.model_validate(
            {"root": "dist", "widgets": {"vite_manifest": ""}, "dynamic_imports": True}
        )
        m = collect_bundles(policy, Path(tmp), workers=1)
        json.loads(m.model_dump_json())


# ----------------------------------------------------------------------------- server logs

GOOD_JSONL = (
    b'{"ts": "2026-10-31T12:00:00Z", "ok": true, "latency_ms": 12.5, "location": "local"}\n'
)
GOOD_CSV = b"ts,ok,latency_ms,location\n2026-10-31T12:00:00Z,true,12.5,remote\n1793448000,500,3,\n"


def _collect_logs(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "logs").mkdir()
        (Path(tmp) / "logs" / name).write_bytes(data)
        m = collect_server_logs(ServerPolicy(logs=["logs/*"]), BudgetPolicy(), Path(tmp), NOW)
        assert_problems_serialise(m.problems)
        assert m.lines >= m.requests


def test_log_readers_on_mutated_lines() -> None:
    rng = random.Random(1202)
    for round_ in range(40):
        jsonl = mutate(GOOD_JSONL * 4, rng, rng.randrange(1, 12))
        csv_data = mutate(GOOD_CSV * 2, rng, rng.randrange(1, 12))
        _collect_logs("a.jsonl", jsonl)
        _collect_logs("a.csv", csv_data)
        if round_ % 10 == 0:  # compressed, then corrupted
            _collect_logs("a.jsonl.gz", mutate(gzip.compress(GOOD_JSONL * 20), rng, 3))


@FAST
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "ts": JSON_VALUES,
                "ok": JSON_VALUES,
                "latency_ms": JSON_VALUES,
                "location": JSON_VALUES,
            }
        ),
        max_size=5,
    )
)
def test_jsonl_reader_on_generated_values(rows: list[dict[str, object]]) -> None:
    _collect_logs("a.jsonl", b"".join(json.dumps(r).encode() + b"\n" for r in rows))


# ----------------------------------------------------------------------------- history


def _history_bytes() -> bytes:
    records = [
        Record(
            recorded_at=datetime(2026, 10, d, tzinfo=UTC),
            commit=f"c{d}",
            branch="main",
            bundles=BundleRecord(total=SizeRecord(raw=d, gzip=d, brotli=d)),
        )
        for d in range(1, 6)
    ]
    return b"".join(r.model_dump_json().encode() + b"\n" for r in records)


def test_history_reader_on_mutated_files() -> None:
    rng = random.Random(1203)
    base = _history_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.jsonl"
        for _ in range(150):
            path.write_bytes(mutate(base, rng, rng.randrange(1, 10)))
            store = FileStore(path, "h.jsonl", now=NOW)
            try:
                records = store.read()
            except HistoryError:
                continue
            assert all(r.recorded_at.tzinfo is not None for r in records)
            assert all(r.recorded_at <= NOW + CLOCK_SKEW for r in records)
            assert_problems_serialise(list(store.problems))
            store.append(records[0] if records else Record(recorded_at=NOW))
            assert FileStore(path, "h", now=NOW).read()  # the appended record is readable


# ----------------------------------------------------------------------------- artifact zips


def _zip(method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("verdict.json", json.dumps({"schema_version": 1, "decision": "pass"}) * 20)
        archive.writestr("other.txt", "x" * 300)
    return buffer.getvalue()


def test_artifact_reader_on_mutated_zips() -> None:
    rng = random.Random(1204)
    outcomes = {"read": 0, "refused": 0}
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_STORED):
        base = _zip(method)
        for _ in range(300):
            data = mutate(base, rng, rng.randrange(1, 6))
            try:
                extract_files(data)
                outcomes["read"] += 1
            except InputError as error:
                assert error.fix
                outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"]  # the loop exercises both paths


def test_artifact_reader_on_an_unknown_compression_method() -> None:
    data = bytearray(_zip(zipfile.ZIP_DEFLATED))
    # method 99 (AES) in the local and the central header of the first member
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
    try:
        extract_files(bytes(data))
    except InputError as error:
        assert "verdict.json" in error.message
    else:
        raise AssertionError("an unknown compression method must be refused")
