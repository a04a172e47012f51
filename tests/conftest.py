"""Test-wide settings: hypothesis without wall-clock deadlines (timing is for benchmarks, and
a loaded 2-core machine must not turn a property test red), and reproducible on CI."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
