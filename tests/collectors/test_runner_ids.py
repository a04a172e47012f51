"""A failing test is shown in its runner's own id form: the pytest id printed by ``check`` runs
under pytest as pasted (a real pytest run, in a temporary project)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from slo_gate.cli import main
from slo_gate.collectors.junit import JUnitCase
from slo_gate.collectors.tests.fold_junit import junit_key

PROJECT = {
    "pytest.ini": "[pytest]\n",
    "tests/__init__.py": "",
    "tests/unit/__init__.py": "",
    "tests/unit/test_calc.py": """\
import pytest


class TestCalc:
    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_double(self, n):
        assert n * 2 != 4

    def test_ok(self):
        assert True


def test_top_level():
    assert True
""",
}


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_printed_pytest_id_selects_exactly_that_test(tmp_path: Path) -> None:
    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    run = _pytest(tmp_path, "--junitxml=reports/junit.xml", "-q")
    assert run.returncode == 1, run.stdout + run.stderr  # one parameter fails

    out = io.StringIO()
    code = main(
        ["check", "--workspace", str(tmp_path), "--junit", "reports/*.xml", "--no-record",
         "--json", "-"],
        env={}, out=out, err=io.StringIO(), clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    assert code == 1
    [failure] = json.loads(out.getvalue())["tests"]["failures"]
    printed = failure["key"]
    assert printed == "tests/unit/test_calc.py::TestCalc::test_double[2]"

    collected = _pytest(tmp_path, "--collect-only", "-q", printed)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert ids == [printed]
    again = _pytest(tmp_path, "-q", printed)
    assert again.returncode == 1
    assert "1 failed" in again.stdout


def test_jest_and_other_runners() -> None:
    jest = JUnitCase(
        suite="Cart", classname="Cart adds", name="Cart adds an item", outcome="failed"
    )
    assert junit_key(jest) == "Cart adds an item"
    surefire = JUnitCase(
        suite="com.acme.CartTest", classname="com.acme.CartTest", name="adds", outcome="failed"
    )
    assert junit_key(surefire) == "com.acme.CartTest::com.acme.CartTest::adds"
    pytest_no_files = JUnitCase(
        suite="pytest", classname="tests.test_a.TestA.TestInner", name="test_b[x-1]",
        outcome="failed",
    )  # fmt: skip
    assert junit_key(pytest_no_files) == "tests/test_a.py::TestA::TestInner::test_b[x-1]"
