"""Server-log collector speed and memory, as ratios against a bare ``json.loads`` loop.

Generates N request lines (default 10 million) into a temporary JSON-lines file spread over a
30-day window, then runs, each in its own subprocess so that peak RSS is per phase:

* ``baseline`` — ``for line in file: json.loads(line)`` (the reference: 1.00×);
* ``collector`` — ``collect_server_logs`` on the same file (orjson when installed);
* ``collector-json`` — the same with orjson hidden, i.e. on the standard library alone.

Prints seconds, the ratio to the baseline (target ≤ 1.5×), lines per second and peak RSS.
Run from the repository root::

    python benchmarks/server_logs.py              # 10 M lines (about 1.3 GB)
    python benchmarks/server_logs.py --lines 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# Runnable from a checkout without installing (the phases re-run this file in subprocesses).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_S = 30 * 86400
TOOLS = ("render_widget", "list_widgets", "get_widget", "search_docs")


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Realistic lines: ISO timestamps, booleans, latencies with 0.1 ms, a few extra fields."""
    rng = random.Random(seed)  # reproducible benchmark data
    start = NOW.timestamp() - WINDOW_S
    step = WINDOW_S / lines
    with path.open("w", encoding="utf-8") as out:
        batch = []
        for i in range(lines):
            at = datetime.fromtimestamp(start + i * step, tz=UTC)
            location = "local" if rng.random() < 0.7 else "remote"
            median = 120.0 if location == "local" else 450.0
            latency = round(rng.lognormvariate(0, 0.5) * median, 1)
            ok = "true" if rng.random() >= 0.003 else "false"
            batch.append(
                f'{{"ts":"{at.strftime("%Y-%m-%dT%H:%M:%S")}.{at.microsecond // 1000:03d}Z",'
                f'"ok":{ok},"latency_ms":{latency},"location":"{location}",'
                f'"tool":"{TOOLS[i % 4]}","request_id":"{i:012x}"}}\n'
            )
            if len(batch) == 100_000:
                out.writelines(batch)
                batch.clear()
        out.writelines(batch)


def phase_baseline(path: Path) -> dict[str, float]:
    start = time.perf_counter()
    count = 0
    with path.open("rb") as stream:
        for line in stream:
            json.loads(line)
            count += 1
    return {"seconds": time.perf_counter() - start, "lines": count}


def phase_collector(path: Path, hide_orjson: bool) -> dict[str, float]:
    if hide_orjson:
        sys.modules["orjson"] = None  # type: ignore[assignment]  # makes `import orjson` fail
    from slo_gate.collectors.server_logs import collect_server_logs
    from slo_gate.config.policy import BudgetPolicy, ServerPolicy

    policy = ServerPolicy(logs=[path.name])
    start = time.perf_counter()
    m = collect_server_logs(policy, BudgetPolicy(), path.parent, NOW)
    seconds = time.perf_counter() - start
    distinct = sum(len(d.digest.counts) for d in m.latency.values())
    return {"seconds": seconds, "lines": m.lines, "requests": m.requests, "distinct": distinct}


def run_phase(name: str, path: Path) -> dict[str, float]:
    """One phase in a fresh interpreter, so that its peak RSS is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _with_rss(result: dict[str, float]) -> dict[str, float]:
    """Add this process's peak RSS in MiB (``ru_maxrss`` is KiB on Linux)."""
    return {**result, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--phase", choices=["baseline", "collector", "collector-json"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--skip-json", action="store_true", help="skip the no-orjson run")
    args = parser.parse_args()
    if args.phase:
        if args.phase == "baseline":
            print(json.dumps(_with_rss(phase_baseline(args.file))))
        else:
            print(json.dumps(_with_rss(phase_collector(args.file, args.phase == "collector-json"))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requests.jsonl"
        start = time.perf_counter()
        generate(path, args.lines)
        size = path.stat().st_size
        took = time.perf_counter() - start
        print(f"generated {args.lines:,} lines ({size / 2**20:.0f} MiB) in {took:.1f} s")
        phases = ["baseline", "collector"] + ([] if args.skip_json else ["collector-json"])
        results = {name: run_phase(name, path) for name in phases}
    base = results["baseline"]["seconds"]
    for name, r in results.items():
        extra = f", {int(r['distinct']):,} distinct latencies" if "distinct" in r else ""
        print(
            f"{name:15s} {r['seconds']:7.2f} s  {r['seconds'] / base:5.2f}× baseline  "
            f"{r['lines'] / r['seconds'] / 1e6:5.2f} M lines/s  peak RSS "
            f"{r['rss_mib']:6.0f} MiB{extra}"
        )
    print("target: collector ≤ 1.50× baseline")


if __name__ == "__main__":
    main()
