"""requirements.lock is current against pyproject.toml, and the check fails on a doctored lock."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def load_checker() -> ModuleType:
    path = ROOT / "scripts" / "check-lock.py"
    spec = importlib.util.spec_from_file_location("check_lock", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = load_checker()


def drop_pin(lock: str, name: str) -> str:
    """The lock without the block of ``name`` (its pin line, hashes and via comments)."""
    pattern = re.compile(rf"^{re.escape(name)}==.*?(?=^\S|\Z)", re.M | re.S)
    new, count = pattern.subn("", lock)
    assert count == 1, name
    return new


def set_version(lock: str, name: str, version: str) -> str:
    new, count = re.subn(
        rf"^{re.escape(name)}==\S+ \\$", f"{name}=={version} \\\\", lock, flags=re.M
    )
    assert count == 1, name
    return new


def test_the_committed_lock_is_current() -> None:
    assert checker.check(LOCK, PYPROJECT) == []


def test_the_committed_lock_has_no_local_lines() -> None:
    for line in LOCK.splitlines():
        assert not line.startswith(("--index-url", "--extra-index-url", "--find-links", "-f ")), (
            line
        )
        assert "file://" not in line and "/opt/" not in line, line


def test_every_pin_has_hashes_for_more_than_one_platform() -> None:
    pins, problems = checker.parse_lock(LOCK)
    assert problems == []
    assert len(pins) >= 20
    assert all(pin.hashes >= 1 for pin in pins.values())
    # compiled packages carry one wheel per platform: the lock must list them all
    assert pins["pydantic-core"].hashes > 20 and pins["lxml"].hashes > 20


@pytest.mark.parametrize(
    "doctor,expected",
    [
        (
            lambda lock: drop_pin(lock, "humanize"),
            "humanize>=4.9: in pyproject.toml but not pinned",
        ),
        (lambda lock: set_version(lock, "pydantic", "3.0.0"), "pydantic==3.0.0 is outside"),
        (lambda lock: set_version(lock, "pyyaml", "5.4.1"), "pyyaml==5.4.1 is outside"),
        (
            lambda lock: lock.replace(
                "\nannotated-types==",
                "\n--extra-index-url file:///opt/pypi/simple\nannotated-types==",
            ),
            "option line '--extra-index-url'",
        ),
        (
            lambda lock: lock.replace(
                "\nannotated-types==", "\n--find-links /opt/wheels\nannotated-types=="
            ),
            "option line '--find-links'",
        ),
        (
            lambda lock: re.sub(r"(humanize==\S+) \\\n(    --hash=\S+( \\)?\n)+", r"\1\n", lock),
            "humanize==4.17.0 has no --hash",
        ),
        (
            lambda lock: (
                lock
                + "\nrich==13.0.0 \\\n    --hash=sha256:"
                + "0" * 64
                + "\n    # via -r /tmp/requirements.in\n"
            ),
            "rich==13.0.0: pinned as a requirement but pyproject.toml no longer lists it",
        ),
        (
            lambda lock: lock + "\nsix==1.16.0 \\\n    --hash=sha256:" + "1" * 64 + "\n",
            "six==1.16.0: no '# via' origin",
        ),
        (lambda lock: lock.replace("\nidna==3.20 \\", "\nidna>=3.20 \\"), "not an exact pin"),
    ],
    ids=[
        "dependency-dropped",
        "version-outside-specifier",
        "version-below-minimum",
        "index-line",
        "find-links-line",
        "no-hashes",
        "pin-nothing-needs",
        "pin-without-origin",
        "not-exact",
    ],
)
def test_a_doctored_lock_fails(doctor: object, expected: str) -> None:
    assert callable(doctor)
    doctored = doctor(LOCK)
    assert doctored != LOCK
    problems = checker.check(doctored, PYPROJECT)
    assert any(expected in p for p in problems), problems


def test_a_dependency_added_to_pyproject_makes_the_lock_stale() -> None:
    pyproject = PYPROJECT.replace('  "humanize>=4.9",\n', '  "humanize>=4.9",\n  "rich>=13",\n')
    assert pyproject != PYPROJECT
    assert checker.check(LOCK, pyproject) == [
        "rich>=13: in pyproject.toml but not pinned in the lock"
    ]


def test_a_dependency_removed_from_pyproject_leaves_a_stale_pin() -> None:
    pyproject = PYPROJECT.replace('  "humanize>=4.9",\n', "")
    assert pyproject != PYPROJECT
    problems = checker.check(LOCK, pyproject)
    assert len(problems) == 1 and "humanize==" in problems[0], problems


def test_a_transitive_pin_is_stale_once_its_parent_goes() -> None:
    # pygithub brings pyjwt, pynacl, requests (and through them cffi, urllib3, …)
    pyproject = PYPROJECT.replace('  "PyGithub>=2.3,<3",\n', "")
    problems = checker.check(drop_pin(LOCK, "pygithub"), pyproject)
    stale = {p.split(": ")[1].split("==")[0] for p in problems}
    assert {"pyjwt", "pynacl", "requests", "cffi", "urllib3"} <= stale, problems
    assert "pydantic" not in stale and "typing-extensions" not in stale


def test_the_script_exits_1_on_a_doctored_lock_and_0_on_the_real_one(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "check-lock.py"
    ok = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "requirements.lock"
    bad.write_text(set_version(LOCK, "pydantic", "1.10.0"), encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            str(script),
            "--lock",
            str(bad),
            "--pyproject",
            str(ROOT / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "pydantic==1.10.0 is outside" in run.stderr and "stale" in run.stderr
