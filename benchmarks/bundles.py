"""Benchmark: bundle measurement against single-threaded zlib-9 + brotli-11 over the same bytes.

    python benchmarks/bundles.py [--mb 4] [--widgets 12]

Generates a Vite-like dist of real-looking minified JS (seeded), then prints:
- reference: one thread compressing every unique file with zlib level 9 and brotli quality 11;
- cold: ``collect_bundles`` with an empty history (resolve, read, hash, compress on all cores),
  as a ratio of the reference (target <= 0.65 on 2 cores);
- warm: ``collect_bundles`` again with the first run's file records, as a ratio (target <= 0.1).

    python benchmarks/bundles.py --npm DIR [--repeat 3]

DIR is a scratch folder outside the repository where
``npm install size-limit @size-limit/file react react-dom lodash chart.js d3 three`` ran. The
script builds 5 widgets from those libraries' dist files (an HTML entry each, a small app module
and CSS; react, react-dom, lodash, chart.js, d3 and three shared between them) in a temporary
``dist/`` and times whole processes, alternating, ``--repeat`` times, medians:
- reference: ``python -c`` compressing every unique file with zlib-9 and brotli-11, one thread;
- cold: ``slo-gate check`` with a policy that has only ``bundles`` (empty history);
- warm: the same with a history that holds every file's content hash (target <= 0.1);
- size-limit (when ``DIR/node_modules/.bin/size-limit`` exists): gzip and brotli per widget.

With ``--instructions`` it also counts, under valgrind's cachegrind, the instructions of the warm
run, of its floors (``python -c pass``, importing yaml and pydantic, ``slo-gate --version``) and
of the reference: a change to start-up shows there even when the machine's speed moves more than
the change.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import threading
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


def gil_check(fn: Callable[[bytes], int], blob: bytes) -> tuple[float, float]:
    """Whether ``fn`` releases the GIL, in a way that holds on a loaded machine too.

    One thread runs ``fn`` (on at least 0.2 s of work) while another runs a Python loop that
    notes the time at every turn. A call that held the GIL would stop the loop for the whole
    call; returns (the loop's longest stop as a share of the call: near 0 = released, near 1 =
    held, wall time of two calls on two threads as a share of two in a row: 0.5 = two free
    cores).
    """
    start = time.perf_counter()
    fn(blob)
    once = time.perf_counter() - start
    data = blob * max(1, math.ceil(0.2 / max(once, 1e-6)))
    done = threading.Event()
    stops: list[float] = []

    def spin() -> None:
        last = time.perf_counter()
        longest = 0.0
        while not done.is_set():
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now
        stops.append(longest)

    spinner = threading.Thread(target=spin)
    spinner.start()
    time.sleep(0.01)
    start = time.perf_counter()
    fn(data)
    call = time.perf_counter() - start
    done.set()
    spinner.join()
    start = time.perf_counter()
    fn(blob)
    fn(blob)
    serial = time.perf_counter() - start
    with ThreadPoolExecutor(max_workers=2) as pool:
        start = time.perf_counter()
        list(pool.map(fn, [blob, blob]))
        parallel = time.perf_counter() - start
    return stops[0] / call, parallel / serial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=4.0, help="raw megabytes of JS to generate")
    parser.add_argument("--widgets", type=int, default=12)
    parser.add_argument("--npm", type=Path, help="folder with node_modules (see above)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="with --npm: also count the warm run's instructions (needs valgrind)",
    )
    args = parser.parse_args()
    if args.npm is not None:
        from benchmarks.bundles_npm import compare

        compare(args.npm, args.repeat, args.instructions)
        return
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
    for name, (stop, ratio) in gil.items():
        print(
            f"GIL check {name}: a Python thread stopped for at most {stop:.2f} of the call "
            f"(0 = GIL released, 1 = held); two calls on two threads: wall {ratio:.2f} of "
            "serial (0.5 = two free cores)"
        )
    print(f"reference (1 thread, zlib-9 + brotli-11): {reference:.3f} s")
    print(f"slo-gate cold: {cold_s:.3f} s  ratio {cold_s / reference:.2f}  (target <= 0.65)")
    print(f"slo-gate warm: {warm_s:.3f} s  ratio {warm_s / reference:.3f}  (target <= 0.1)")


if __name__ == "__main__":
    main()
