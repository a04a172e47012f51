"""Generate the bundled example's embedded history: October 2026, one record a day on main.

    python examples/generate_history.py > examples/history-seed.jsonl

Widget sizes drift upwards over the month, ending a little below the example build, so that a
check of ``examples/widgets/dist`` shows deltas and a 30-day P95 of the largest widget.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from datetime import UTC, datetime, timedelta

BASE = {
    "chat": (270_000, 132_000, 116_000),
    "gallery": (490_000, 236_000, 205_000),
    "weather": (224_000, 110_000, 97_000),
}


def records() -> list[dict[str, object]]:
    rng = random.Random(7)  # noqa: S311 - example data
    out: list[dict[str, object]] = []
    start = datetime(2026, 10, 1, 14, 0, tzinfo=UTC)
    for day in range(31):
        growth = 1 + day * 0.0012 + rng.uniform(-0.004, 0.004)
        widgets = {
            name: {
                "raw": round(r * growth),
                "gzip": round(g * growth),
                "brotli": round(b * growth),
                "files": [],
            }
            for name, (r, g, b) in BASE.items()
        }
        # The widgets share a vendor and a UI chunk: the unique total is ~73 % of their sum.
        total = [
            round(0.727 * sum(int(w[k]) for w in widgets.values()))  # type: ignore[call-overload]
            for k in ("raw", "gzip", "brotli")
        ]
        commit = hashlib.sha1(f"example-{day}".encode()).hexdigest()  # noqa: S324 - a fake sha
        out.append(
            {
                "schema_version": 1,
                "recorded_at": (start + timedelta(days=day)).isoformat(),
                "commit": commit,
                "branch": "main",
                "event": "push",
                "decision": "pass",
                "bundles": {
                    "widgets": widgets,
                    "total": dict(zip(("raw", "gzip", "brotli"), total, strict=True)),
                },
            }
        )
    return out


if __name__ == "__main__":
    sys.stdout.writelines(json.dumps(r, sort_keys=True) + "\n" for r in records())
