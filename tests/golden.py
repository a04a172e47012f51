"""Golden files: compare rendered text with a checked-in expectation.

Regenerate with ``SLO_GATE_REGEN_GOLDEN=1 pytest``, then review the diff by eye.
"""

from __future__ import annotations

import os
from pathlib import Path

REGEN = os.environ.get("SLO_GATE_REGEN_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    if REGEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not REGEN:
            raise AssertionError(f"{path} did not exist; written now: review it and rerun")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{path} differs; rerun with SLO_GATE_REGEN_GOLDEN=1 to update, then review the diff"
    )
