"""Test-wide settings: hypothesis without wall-clock deadlines (timing is for benchmarks, and
a loaded 2-core machine must not turn a property test red), and reproducible on CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """The REST API simulated with ``responses``; a request nobody registered fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A copy of the bundled example (widgets, seed history, policy, server logs) to run on."""
    root = Path(__file__).resolve().parents[1] / "examples"
    shutil.copytree(root / "widgets", tmp_path / "examples" / "widgets")
    shutil.copy(root / "history-seed.jsonl", tmp_path / "examples")
    shutil.copy(root / "slo-gate.yml", tmp_path / "examples")
    shutil.copytree(root / "logs", tmp_path / "examples" / "logs")
    return tmp_path
