"""Benchmark: the monthly report over a large history (a year of records, 20 runs a day).

    python benchmarks/report.py [--days 365] [--per-day 20] [--repeat 3]

Builds the records as JSON lines (three widgets with files, build time, test counts), 20 CI
runs a day, and a month of one-minute server buckets, then times, for the last month:

- reference: a bare ``json.loads`` of every record line (the least any reader must do);
- parse: ``Record.model_validate_json`` of every line (what the history store does);
- build: ``build_report`` (the month, the month before for trends, 30-day budgets);
- render: Markdown and HTML.

Prints each as a ratio of the reference (no absolute timings in tests: machines differ) and
the absolute seconds for docs/benchmarks.md. The best of ``--repeat`` runs is kept.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slo_gate.config.policy import Policy  # noqa: E402
from slo_gate.events import (  # noqa: E402
    EventBucket,
    LatencyDigest,
    LocationLatency,
    RatioSeries,
    ServerMeasurement,
)
from slo_gate.records import Record  # noqa: E402
from slo_gate.render.report_html import render_report_html  # noqa: E402
from slo_gate.render.report_markdown import render_report_markdown  # noqa: E402
from slo_gate.report.build import ReportInput, ServerInput, build_report  # noqa: E402
from slo_gate.report.periods import month_period, previous_period  # noqa: E402
from slo_gate.runs import RunSummary  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def record_lines(days: int, per_day: int) -> list[str]:
    rng = random.Random(3)
    start = NOW - timedelta(days=days)
    step = 86400 / per_day
    lines = []
    for i in range(days * per_day):
        at = start + timedelta(seconds=i * step)
        widgets = {}
        for name, base in (("chat", 130_000), ("gallery", 236_000), ("weather", 110_000)):
            g = base + rng.randrange(-2000, 2000)
            widgets[name] = {
                "raw": g * 2,
                "gzip": g,
                "brotli": g * 9 // 10,
                "files": [f"{name}/index.html", f"assets/{name}.js", "assets/vendor.js"],
            }
        files = {
            f"assets/{n}.js": {"sha256": f"{n}{i}", "raw": 1, "gzip": 1, "brotli": 1}
            for n in widgets
        }
        record = {
            "schema_version": 1,
            "recorded_at": at.isoformat(),
            "commit": f"{i:040x}",
            "branch": "main",
            "event": "push",
            "bundles": {
                "widgets": widgets,
                "total": {"raw": 700_000, "gzip": 350_000, "brotli": 300_000},
                "files": files,
            },
            "build_time_s": round(rng.uniform(100, 320), 1),
            "tests": {
                "counts": {"total": 480, "passed": 478, "failed": 2},
                "visual": {"total": 120, "passed": 119, "failed": 1},
            },
        }
        lines.append(json.dumps(record))
    return lines


def ci_runs(days: int, per_day: int) -> list[RunSummary]:
    start = NOW - timedelta(days=days)
    return [
        RunSummary(
            id=i,
            head_branch="main",
            conclusion="failure" if i % 17 == 0 else "success",
            created_at=start + timedelta(seconds=i * 86400 / per_day),
        )
        for i in range(days * per_day)
    ]


def server(start: datetime, end: datetime) -> ServerMeasurement:
    rng = random.Random(5)
    t0, t1 = int(start.timestamp()), int(end.timestamp())
    buckets = tuple(EventBucket(t, 30 - (rng.random() < 0.01), 30) for t in range(t0, t1, 60))
    series = RatioSeries(buckets, 60)
    digest = LatencyDigest()
    for _ in range(50_000):
        digest.add_ms(round(rng.lognormvariate(4.8, 0.5), 1))
    latency = {"local": LocationLatency("local", 500_000, series, digest)}
    return ServerMeasurement(
        window_start_s=t0, now_s=t1, availability=series, latency=latency, lines=1, requests=1
    )


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    lines = record_lines(args.days, args.per_day)
    runs = ci_runs(args.days, args.per_day)
    policy = Policy()
    period = month_period("2026-10", "UTC", NOW)
    prev = previous_period(period)
    srv = ServerInput(
        period=server(period.start, period.end),
        budget=server(NOW - timedelta(days=30), NOW),
        previous=server(prev.start, prev.end),
    )
    records = [Record.model_validate_json(line) for line in lines]

    def build() -> object:
        return build_report(
            ReportInput(
                policy=policy, period=period, now=NOW, records=records, server=srv, ci_runs=runs
            )
        )

    report = build_report(
        ReportInput(
            policy=policy, period=period, now=NOW, records=records, server=srv, ci_runs=runs
        )
    )
    reference = best(lambda: [json.loads(line) for line in lines], args.repeat)
    parse = best(lambda: [Record.model_validate_json(line) for line in lines], args.repeat)
    built = best(build, args.repeat)
    md = best(lambda: render_report_markdown(report), args.repeat)
    html = best(lambda: render_report_html(report), args.repeat)
    total = parse + built + md + html
    print(f"records: {len(lines):,} ({args.days} days × {args.per_day}); CI runs: {len(runs):,}")
    print(f"{'step':<28}{'seconds':>10}{'× json.loads':>14}")
    for name, secs in (
        ("reference: json.loads", reference),
        ("parse records (pydantic)", parse),
        ("build_report (month)", built),
        ("render Markdown", md),
        ("render HTML", html),
        ("total: parse+build+render", total),
    ):
        print(f"{name:<28}{secs:>10.3f}{secs / reference:>14.1f}")


if __name__ == "__main__":
    main()
