"""Generate a month of MCP server request logs with an incident (deterministic, seeded).

October 2026 (UTC), about 850 requests a day with a day/night rhythm: ``local.jsonl`` (tool
calls on the local server) and ``remote.jsonl``. An outage on 27 October fails most requests for
90 minutes, so that a check at ``2026-11-01T00:00:00Z`` finds 85 % of the availability budget
consumed: releases are paused (≥ 75 %) but no rollback (< 100 %). A slow hour on 20 October
(local latencies ×4) trips the "> 10 % slower than 500 ms in an hour" alert. Two broken lines
show how bad lines are reported. Run from the repository root::

    python examples/generate_logs.py            # writes examples/logs/mcp/*.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_START = END - timedelta(days=30)  # the 30-day budget window of a check at END
PER_DAY = {"local": 600, "remote": 250}
MEDIAN_MS = {"local": 120.0, "remote": 450.0}
SIGMA = 0.5
OUTAGE = (datetime(2026, 10, 27, 14, 0, tzinfo=UTC), datetime(2026, 10, 27, 15, 30, tzinfo=UTC))
SLOW_HOUR = (datetime(2026, 10, 20, 9, 0, tzinfo=UTC), datetime(2026, 10, 20, 10, 0, tzinfo=UTC))
TARGET_CONSUMED = 0.85  # of the 0.5 % budget: between pause (75 %) and rollback (100 %)
BUDGET = 0.005


@dataclass(slots=True)
class Request:
    at: datetime
    location: str
    latency_ms: int
    ok: bool = True


def _rate(hour: int) -> float:
    """Day/night rhythm: busiest at 14:00 UTC, a quarter of it at 02:00."""
    return 0.625 + 0.375 * math.cos((hour - 14) / 24 * 2 * math.pi)


def _requests(rng: random.Random) -> list[Request]:
    requests = []
    day = START
    while day < END:
        for location, per_day in PER_DAY.items():
            weights = [_rate(h) for h in range(24)]
            scale = per_day / sum(weights)
            for hour, weight in enumerate(weights):
                for _ in range(round(weight * scale)):
                    at = day + timedelta(hours=hour, seconds=rng.randrange(3600))
                    latency = rng.lognormvariate(math.log(MEDIAN_MS[location]), SIGMA)
                    if location == "local" and SLOW_HOUR[0] <= at < SLOW_HOUR[1]:
                        latency *= 4
                    requests.append(Request(at, location, max(1, round(latency))))
        day += timedelta(days=1)
    requests.sort(key=lambda r: (r.at, r.location))
    return requests


def _fail(rng: random.Random, requests: list[Request]) -> int:
    """Fail 90 % of the outage, then background failures up to exactly the target budget use."""
    in_window = [r for r in requests if r.at >= WINDOW_START]
    wanted = math.floor(TARGET_CONSUMED * BUDGET * len(in_window))
    outage = [r for r in in_window if OUTAGE[0] <= r.at < OUTAGE[1]]
    for r in outage:
        r.ok = rng.random() >= 0.9
    failed = sum(not r.ok for r in outage)
    quiet = [r for r in in_window if not OUTAGE[0] <= r.at < OUTAGE[1]]
    for r in rng.sample(quiet, max(0, wanted - failed)):
        r.ok = False
    for r in rng.sample([r for r in requests if r.at < WINDOW_START], 3):
        r.ok = False  # day one, outside the window: reported and ignored
    return len(in_window)


def _line(r: Request) -> str:
    stamp = r.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = {"ts": stamp, "ok": r.ok, "latency_ms": r.latency_ms, "location": r.location}
    return json.dumps(fields, separators=(",", ":"))


def write(out: Path, seed: int) -> dict[str, int]:
    """Write the two files; return the number of lines per file."""
    rng = random.Random(seed)  # noqa: S311 - reproducible example data, not security
    requests = _requests(rng)
    _fail(rng, requests)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for location in PER_DAY:
        lines = [_line(r) for r in requests if r.location == location]
        if location == "local":  # two broken lines, as real logs have
            lines.insert(1000, lines[1000][:25])
            lines.insert(5000, lines[5000].replace('"latency_ms":', '"latency_ms":-'))
        (out / f"{location}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written[location] = len(lines)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path("examples/logs/mcp"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    for location, count in write(args.out, args.seed).items():
        print(f"{args.out / (location + '.jsonl')}: {count} lines")


if __name__ == "__main__":
    main()
