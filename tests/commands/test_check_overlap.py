"""A gate run compresses bundles on its own threads while it reads the other sources.

Each side waits (with a generous timeout that only a regression reaches) for the other to have
started: if the run measured bundles first and the test reports after, the compression would
wait for a report read that cannot start, and the event would never be set.
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
