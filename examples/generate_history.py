"""Generate the bundled example's embedded history: October 2026, one record a day on main.

    python examples/generate_history.py > examples/history-seed.jsonl

Widget sizes drift upwards over the month, ending a little below the example build, so that a
check of ``examples/widgets/dist`` shows deltas and a 30-day P95 of the largest widget. Each
record also carries the build time and the visual-test counts of its run (from a second seeded
generator, so the sizes and commits stay what they were): builds take 2-4 minutes with two slow
days, and one visual regression on 14 October fails 6 of 120 screenshots, so the monthly
report (``slo-gate report --month 2026-10``) has build-time statistics and a visual pass rate.
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


SLOW_BUILD_DAYS = {8: 312.0, 21: 295.0}  # seconds: one over the 5 min limit, one close
VISUAL_REGRESSION_DAY = 13  # 14 October: 6 of 120 screenshot tests fail
VISUAL_TESTS = 120


def _run_extras(day: int, rng: random.Random) -> dict[str, object]:
    """Build time (s) and test counts of one day's run; deterministic."""
    build = SLOW_BUILD_DAYS.get(day, round(rng.uniform(120.0, 240.0), 1))
    failed = 6 if day == VISUAL_REGRESSION_DAY else 0
    flaky = 1 if day % 10 == 4 else 0
    visual = {
        "total": VISUAL_TESTS,
        "passed": VISUAL_TESTS - failed,
        "failed": failed,
        "flaky": flaky,
        "skipped": 0,
    }
    counts = {"total": 480, "passed": 480 - failed, "failed": failed, "errored": 0}
    return {
        "build_time_s": build,
        "tests": {"counts": {**counts, "skipped": 0, "flaky": flaky}, "visual": visual},
    }


def records() -> list[dict[str, object]]:
    rng = random.Random(7)  # noqa: S311 - example data
    extras = random.Random(11)  # noqa: S311 - a second stream: sizes above stay unchanged
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
                **_run_extras(day, extras),
            }
        )
    return out


if __name__ == "__main__":
    sys.stdout.writelines(json.dumps(r, sort_keys=True) + "\n" for r in records())
