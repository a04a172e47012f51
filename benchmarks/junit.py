"""JUnit collector benchmark: time as ratios of reference loops, and peak RSS.

Generates a JUnit file with 1,000,000 test cases (about 160 MB, 3 % failing or skipped) in a
temporary folder and prints slo-gate's time as a ratio of

  (a) a streaming ``lxml.etree.iterparse`` loop that only counts test cases and clears them
      (the floor for Python; target <= 2x), and
  (b) a naive junitparser ``JUnitXml.fromfile`` load-and-iterate (target <= 0.5x). It needs
      about 1.6 GB for the full file; on a smaller machine pass --naive-small to run it on a
      1/10 file scaled by 10 (stated in the output; it underestimates the naive time, which
      grows faster than linearly with the tree's memory).

Each measurement runs in its own interpreter, so the peak RSS printed is that run's alone
(``resource.getrusage``).

Usage: ``PYTHONPATH=. python benchmarks/junit.py [--cases N] [--naive-small]``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_RUNNERS = {
    "floor": """
from lxml import etree
n = 0
for _e, el in etree.iterparse(PATH, events=("end",), tag="testcase"):
    n += 1
    el.clear()
RESULT = n
""",
    "naive": """
from junitparser import JUnitXml
n = 0
for suite in JUnitXml.fromfile(PATH):
    for case in suite:
        n += 1
        _ = case.result
RESULT = n
""",
    "slo-gate": """
from pathlib import Path
from slo_gate.collectors.tests.collect import collect_tests
from slo_gate.config.policy import TestsPolicy
p = Path(PATH)
report = collect_tests(TestsPolicy(), p.parent, [p.name], [])
RESULT = report.counts.total
""",
}

_WRAPPER = """
import json, resource, sys, time
PATH = sys.argv[1]
start = time.perf_counter()
exec(compile(sys.argv[2], "runner", "exec"))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "cases": RESULT}))
"""


def generate(path: Path, cases: int, seed: int = 42) -> None:
    """Pytest-like cases in suites of 1000; 1.5 % fail, 1.5 % are skipped."""
    rnd = random.Random(seed)
    per = 1000
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n')
        for s in range(max(1, cases // per)):
            out.write(
                f'  <testsuite name="suite.module_{s:05d}" tests="{per}" hostname="runner-1" '
                'timestamp="2024-05-01T10:00:00">\n'
            )
            for c in range(per):
                r = rnd.random()
                head = (
                    f'    <testcase classname="pkg.sub.module_{s:05d}.TestClass" '
                    f'name="test_case_number_{c:04d}[param-{c % 7}]" time="0.{c % 1000:03d}" '
                    f'file="tests/module_{s:05d}/test_file.py" line="{c + 10}"'
                )
                if r < 0.015:
                    out.write(
                        head + '>\n      <failure message="AssertionError: expected 1 == 2">'
                        f"Traceback:\ntests/module_{s:05d}/test_file.py:{c + 12}: AssertionError"
                        "</failure>\n    </testcase>\n"
                    )
                elif r < 0.03:
                    out.write(
                        head + '>\n      <skipped message="not on this platform" '
                        'type="pytest.skip"/>\n    </testcase>\n'
                    )
                else:
                    out.write(head + "/>\n")
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")


def run(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(path), _RUNNERS[kind]],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--naive-small", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "junit-big.xml"
        generate(big, args.cases)
        size_mb = big.stat().st_size / 1e6
        floor = run("floor", big)
        ours = run("slo-gate", big)
        if not args.naive_small:
            naive, scale = run("naive", big), 1
        else:
            small = Path(tmp) / "junit-small.xml"
            generate(small, args.cases // 10)
            naive, scale = run("naive", small), 10
    assert floor["cases"] == ours["cases"] == args.cases
    naive_s = naive["seconds"] * scale
    print(f"file: {args.cases:,} test cases, {size_mb:.0f} MB")
    print(f"floor (iterparse count+clear): {floor['seconds']:.2f} s, {floor['peak_mb']:.0f} MB")
    print(f"slo-gate collect_tests:        {ours['seconds']:.2f} s, {ours['peak_mb']:.0f} MB peak")
    note = f" (measured on 1/{scale} of the cases, x{scale})" if scale != 1 else ""
    print(f"naive junitparser:             {naive_s:.2f} s{note}, {naive['peak_mb']:.0f} MB")
    print(f"ratio slo-gate / floor: {ours['seconds'] / floor['seconds']:.2f}x (target <= 2x)")
    print(f"ratio slo-gate / naive: {ours['seconds'] / naive_s:.2f}x (target <= 0.5x)")
    print(f"slo-gate peak RSS: {ours['peak_mb']:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
