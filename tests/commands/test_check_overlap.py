"""A gate run compresses bundles on its own threads while it reads the other sources.

Each side waits (with a generous timeout that only a regression reaches) for the other to have
started: if the run measured bundles first and the test reports after, the compression would
wait for a report read that cannot start, and the event would never be set. A run that reads
nothing besides the bundles starts no such thread (``sources.reads_more_than_bundles``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slo_gate.collectors import bundles as bundle_collector
from slo_gate.commands import check, sources
from slo_gate.commands.check import CheckOptions, perform_check
from slo_gate.runenv import RunEnv

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WAIT_S = 30.0


def test_bundles_compress_while_the_test_reports_are_read(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compressing, reading = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    real_compress = bundle_collector._compress
    real_reports = sources.collect_test_reports

    def compress(*args: Any, **kwargs: Any) -> Any:
        compressing.set()
        seen["reports started while compressing"] = reading.wait(WAIT_S)
        return real_compress(*args, **kwargs)

    def reports(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        seen["compression started while reading"] = compressing.wait(WAIT_S)
        return real_reports(*args, **kwargs)

    monkeypatch.setattr(bundle_collector, "_compress", compress)
    monkeypatch.setattr(check, "collect_test_reports", reports)
    opts = CheckOptions(
        config=ws / "examples" / "slo-gate.yml", workspace=ws, now=NOW, no_record=True
    )
    done = perform_check(opts, RunEnv(), lambda: NOW)
    assert seen == {
        "reports started while compressing": True,
        "compression started while reading": True,
    }
    assert done.verdict.bundles is not None


@pytest.mark.parametrize(
    ("policy", "junit", "overlap"),
    [
        ({"bundles": {}}, [], False),
        ({"bundles": {}}, ["r.xml"], True),
        ({"bundles": {}, "tests": {"junit": ["r.xml"]}}, [], True),
        ({"bundles": {}, "tests": {"playwright": ["p.json"]}}, [], True),
        ({"bundles": {}, "tests": {}}, [], False),  # a section naming nothing: nothing to read
        ({"bundles": {}, "server": {"logs": ["logs/*.jsonl"]}}, [], True),
        ({"bundles": {}, "build_time": {"from": {"file": "b.json"}}}, [], True),
        ({"bundles": {}, "ci": {"workflows": ["ci.yml"]}}, [], True),
    ],
)
def test_bundles_get_a_thread_only_beside_another_source(
    policy: dict[str, Any], junit: list[str], overlap: bool
) -> None:
    from slo_gate.config.policy import Policy

    assert sources.reads_more_than_bundles(Policy.model_validate(policy), junit, []) is overlap
