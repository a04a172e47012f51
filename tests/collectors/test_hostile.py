"""Hostile report files are refused fast, as named problems that quote nothing they shouldn't.

The files are generated here (nothing hostile is stored in the repository). Time and memory are
measured in a fresh interpreter so that the peak RSS is this work's and not the test session's;
the bounds (1 s, 50 MB) are the issue's safety limits, far above what refusing takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "TOP-SECRET-7f3a9c"
ROOT = Path(__file__).resolve().parents[2]

_LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
HOSTILE: dict[str, tuple[str, bytes]] = {
    "billion-laughs.xml": (
        "xml-doctype-refused",
        (
            f'<?xml version="1.0"?><!DOCTYPE testsuites [<!ENTITY lol0 "lol">{_LAUGHS}]>'
            '<testsuites><testsuite name="&lol9;"><testcase name="&lol9;"/></testsuite>'
            "</testsuites>"
        ).encode(),
    ),
    "quadratic.xml": (
        "xml-doctype-refused",
        (
            '<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY a "'
            + "A" * 200_000
            + '">]><testsuite name="s"><testcase name="t"><failure>'
            + "&a;" * 20_000
            + "</failure></testcase></testsuite>"
        ).encode(),
    ),
    "xxe-file.xml": (
        "xml-doctype-refused",
        b'<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file://SECRET_PATH">]>'
        b'<testsuite name="s"><testcase name="&xxe;"><failure message="&xxe;"/></testcase>'
        b"</testsuite>",
    ),
    "xxe-http.xml": (
        "xml-doctype-refused",
        b'<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
        b'<testsuite name="&x;"><testcase name="t"/></testsuite>',
    ),
    "parameter-entity.xml": (
        "xml-doctype-refused",
        b'<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd">'
        b' %p;]><testsuite name="s"/>',
    ),
    "network-dtd.xml": (
        "xml-doctype-refused",
        b'<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/junit.dtd">'
        b'<testsuite name="s"><testcase name="t"/></testsuite>',
    ),
    "truncated.xml": (
        "xml-malformed",
        b'<?xml version="1.0"?><testsuites><testsuite name="s"><testcase na',
    ),
    "non-junit.xml": (
        "junit-not-a-report",
        b'<?xml version="1.0"?><project><dependency>'
        + b"<x/>" * 200_000
        + b"</dependency></project>",
    ),
    "garbage.xml": ("xml-malformed", bytes(range(256)) * 4000),
    "empty.xml": ("xml-empty", b""),
    "not-playwright.json": (
        "playwright-not-a-report",
        json.dumps({"settings": {"token": SECRET}, "tests": [1, 2]}).encode(),
    ),
    "garbage.json": ("playwright-invalid-json", bytes(range(256)) * 4000),
    "deep.json": ("playwright-invalid-json", b"[" * 100_000 + b"]" * 100_000),
}

_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from slo_gate.collectors.tests.collect import collect_tests
from slo_gate.config.policy import TestsPolicy
ws = Path(sys.argv[1])
names = json.loads(sys.argv[2])
collect_tests(TestsPolicy(), ws, ["warmup.xml"], ["warmup.json"])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for name in names:
    start = time.perf_counter()
    kind = ([name], []) if name.endswith(".xml") else ([], [name])
    report = collect_tests(TestsPolicy(), ws, *kind)
    out[name] = {
        "seconds": time.perf_counter() - start,
        "problems": [p.model_dump() for p in report.problems],
        "tests": report.counts.total,
    }
out["__extra_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    ws = tmp_path_factory.mktemp("hostile")
    secret = ws.parent / "secret.txt"
    secret.write_text(SECRET)
    for name, (_code, data) in HOSTILE.items():
        (ws / name).write_bytes(data.replace(b"SECRET_PATH", str(secret).encode()))
    (ws / "warmup.xml").write_text('<testsuite name="w"><testcase name="w"/></testsuite>')
    (ws / "warmup.json").write_text('{"config": {}, "suites": []}')
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ws), json.dumps(list(HOSTILE))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    )
    result: dict[str, dict[str, object]] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("name", list(HOSTILE))
def test_refused_fast_as_a_named_problem(refused: dict[str, dict[str, object]], name: str) -> None:
    got = refused[name]
    problems = got["problems"]
    assert isinstance(problems, list)
    codes = [p["code"] for p in problems]
    assert HOSTILE[name][0] in codes, codes
    assert got["tests"] == 0
    assert isinstance(got["seconds"], float) and got["seconds"] < 1.0
    for problem in problems:
        assert SECRET not in problem["message"]
        assert "lollol" not in problem["message"]
        assert "AAAA" not in problem["message"]
        assert problem["path"] in (name, None)


def test_memory_stays_bounded(refused: dict[str, dict[str, object]]) -> None:
    extra = refused["__extra_rss_kb"]
    assert isinstance(extra, int) and extra < 50 * 1024


def test_doctype_problem_names_the_fix(refused: dict[str, dict[str, object]]) -> None:
    problems = refused["xxe-file.xml"]["problems"]
    assert isinstance(problems, list)
    [problem] = [p for p in problems if p["code"] == "xml-doctype-refused"]
    assert "declares 1 entity" in problem["message"]
    assert "without a DOCTYPE" in problem["message"]
    assert problem["line"] == 1
