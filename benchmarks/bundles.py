"""Benchmark: bundle measurement against single-threaded zlib-9 + brotli-11 over the same bytes.

    python benchmarks/bundles.py [--mb 4] [--widgets 12]

Generates a Vite-like dist of real-looking minified JS (seeded), then prints:
- reference: one thread compressing every unique file with zlib level 9 and brotli quality 11;
- cold: ``collect_bundles`` with an empty history (resolve, read, hash, compress on all cores),
  as a ratio of the reference (target <= 0.65 on 2 cores);
- warm: ``collect_bundles`` again with the first run's file records, as a ratio (target <= 0.1).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

from generate_widgets import css, hashed, html, js, write  # noqa: E402

from slo_gate.collectors.bundles import brotli_size, collect_bundles, gzip_size  # noqa: E402
from slo_gate.config.policy import BundlesPolicy, WidgetSource  # noqa: E402
from slo_gate.records import FileRecord  # noqa: E402


def build(root: Path, megabytes: float, widgets: int) -> None:
    rng = random.Random(42)
    shared = js(rng, 60_000)
    shared_name = "assets/" + hashed("vendor", shared, ".js")
    write(root, shared_name, shared)
    per_widget = int(megabytes * 1_000_000 / widgets / 2.1)  # gzip ratio ~2.1 on this text
    for i in range(widgets):
        size = int(per_widget * rng.uniform(0.3, 1.7))
        code = js(rng, size, header=f'import"/{shared_name}";')
        name = "assets/" + hashed(f"w{i}", code, ".js")
        style = css(rng, 200)
        style_name = "assets/" + hashed(f"w{i}", style, ".css")
        write(root, name, code)
        write(root, style_name, style)
        write(root, f"w{i}/index.html", html(f"w{i}", [name], [style_name], []))


def gil_check(fn: Callable[[bytes], int], blob: bytes) -> float:
    """Two calls on two threads, as a share of two calls in a row: ~0.5 if the GIL is released."""
    start = time.perf_counter()
    fn(blob)
    fn(blob)
    serial = time.perf_counter() - start
    with ThreadPoolExecutor(max_workers=2) as pool:
        start = time.perf_counter()
        list(pool.map(fn, [blob, blob]))
        parallel = time.perf_counter() - start
    return parallel / serial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=4.0, help="raw megabytes of JS to generate")
    parser.add_argument("--widgets", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        build(ws / "dist", args.mb, args.widgets)
        policy = BundlesPolicy(root="dist", widgets=WidgetSource(html="*/index.html"))
        files = sorted(p for p in (ws / "dist").rglob("*") if p.is_file())
        blobs = [p.read_bytes() for p in files]
        total = sum(len(b) for b in blobs)

        start = time.perf_counter()
        for blob in blobs:
            gzip_size(blob)
            brotli_size(blob)
        reference = time.perf_counter() - start

        start = time.perf_counter()
        cold = collect_bundles(policy, ws)
        cold_s = time.perf_counter() - start

        known = {
            f.sha256: FileRecord(sha256=f.sha256, raw=f.raw, gzip=f.gzip, brotli=f.brotli)
            for f in cold.files.values()
        }
        start = time.perf_counter()
        warm = collect_bundles(policy, ws, known=known)
        warm_s = time.perf_counter() - start
        assert warm.files.keys() == cold.files.keys()
        assert all(f.cached for f in warm.files.values())

        gil = {fn.__name__: gil_check(fn, max(blobs, key=len)) for fn in (gzip_size, brotli_size)}

    print(f"files: {len(files)}, raw bytes: {total:,}, cores: {os.cpu_count()}")
    for name, ratio in gil.items():
        print(f"GIL check {name}: 2 threads take {ratio:.2f} of serial time (0.5 = fully parallel)")
    print(f"reference (1 thread, zlib-9 + brotli-11): {reference:.3f} s")
    print(f"slo-gate cold: {cold_s:.3f} s  ratio {cold_s / reference:.2f}  (target <= 0.65)")
    print(f"slo-gate warm: {warm_s:.3f} s  ratio {warm_s / reference:.3f}  (target <= 0.1)")


if __name__ == "__main__":
    main()
