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

``--whole`` measures whole processes instead, on two more reports of the same size: an all-pass
one, and a failure-heavy one where 1 % of the cases fail with multi-line stack traces that name
the test's file and line (the realistic case: each failure's line is searched in its trace).
``slo-gate check --junit FILE`` (start-up, policy, collection, evaluation, rendering) is timed
against a whole ``python -c`` process running the iterparse floor loop, which counts outcomes.
The two alternate ``--repeat`` times (default 3) and the medians are compared; peak RSS comes
from ``os.wait4``. Targets: <= 1.5x on the failure-heavy report, <= 1.3x on the all-pass one,
< 100 MB.

Usage: ``PYTHONPATH=. python benchmarks/junit.py [--cases N] [--naive-small]`` or
``python benchmarks/junit.py --whole [--cases N] [--repeat 3]`` (with slo-gate installed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
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


#: the floor as a whole process: stream, count outcomes, clear
FLOOR_PROCESS = """
import sys
from lxml import etree
counts = {}
for _e, el in etree.iterparse(sys.argv[1], events=("end",), tag="testcase"):
    kind = el[0].tag if len(el) else "passed"
    counts[kind] = counts.get(kind, 0) + 1
    el.clear()
    while el.getprevious() is not None:
        del el.getparent()[0]
print(sum(counts.values()), counts)
"""


def generate_whole(path: Path, cases: int, *, failing: float, seed: int = 7) -> None:
    """Jest/Playwright-like cases in suites of 1000, ``failing`` of them with stack traces.

    A failure has no ``line`` attribute, so its line is found in the trace, which names other
    files first (node_modules frames) and then the test's own file.
    """
    rnd = random.Random(seed)
    per = min(1000, cases)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n')
        for s in range(max(1, cases // per)):
            spec = f"tests/area_{s % 40:02d}/feature_{s:05d}.spec.ts"
            out.write(
                f'  <testsuite name="{spec}" tests="{per}" hostname="runner-1" '
                'timestamp="2024-05-01T10:00:00">\n'
            )
            for c in range(per):
                head = (
                    f'    <testcase classname="feature {s:05d}" '
                    f'name="renders widget state number {c:04d} [param-{c % 7}]" '
                    f'time="0.{c % 1000:03d}" file="{spec}"'
                )
                if rnd.random() < failing:
                    line = 10 + c
                    out.write(
                        head + '>\n      <failure message="expect(received).toBe(expected)" '
                        'type="AssertionError">Error: expect(received).toBe(expected)\n\n'
                        "Expected: 2\nReceived: 1\n\n"
                        "    at Object.toBe (node_modules/expect/build/index.js:218:22)\n"
                        "    at step (node_modules/@playwright/test/lib/runner.js:1204:13)\n"
                        f"    at Context.&lt;anonymous&gt; ({spec}:{line}:17)\n"
                        "    at callFn (node_modules/mocha/lib/runnable.js:366:21)\n"
                        f"    at processTicksAndRejections (node:internal/process/task_queues:95:5)"
                        "</failure>\n    </testcase>\n"
                    )
                else:
                    out.write(head + "/>\n")
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")


def process_env(tmp: Path) -> dict[str, str]:
    """The environment of the timed processes: bytecode cached (outside the repository), as an
    installed package has it, even where PYTHONDONTWRITEBYTECODE is set in the shell."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def run_process(argv: list[str], cwd: Path) -> dict[str, float]:
    """Wall time, CPU time and peak RSS of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=process_env(cwd)
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def whole(cases: int, repeat: int) -> None:
    slo_gate = Path(sys.executable).with_name("slo-gate")
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label, failing, target in (("failure-heavy", 0.01, 1.5), ("all-pass", 0.0, 1.3)):
            report = work / f"junit-{label}.xml"
            generate_whole(report, cases, failing=failing)
            floor_argv = [sys.executable, "-c", FLOOR_PROCESS, str(report)]
            check_argv = [
                str(slo_gate), "check", "--workspace", str(work), "--junit", report.name,
                "--no-record", "--quiet", "--commit", "0" * 40, "--branch", "main",
            ]  # fmt: skip
            run_process(check_argv, work)  # compile and cache the bytecode once
            tiny = work / "junit-tiny.xml"
            generate_whole(tiny, 1, failing=0.0)
            tiny_argv = [*check_argv[:5], tiny.name, *check_argv[6:]]
            floors, checks, starts = [], [], []
            for _ in range(repeat):
                floors.append(run_process(floor_argv, work))
                checks.append(run_process(check_argv, work))
                starts.append(run_process(tiny_argv, work))
            f_s = statistics.median(r["seconds"] for r in floors)
            c_s = statistics.median(r["seconds"] for r in checks)
            ratios = [c["seconds"] / f["seconds"] for f, c in zip(floors, checks, strict=True)]
            peak = max(r["peak_mb"] for r in checks)
            print(f"{label}: {cases:,} cases, {report.stat().st_size / 1e6:.0f} MB")
            f_runs = ", ".join(f"{r['seconds']:.2f}" for r in floors)
            c_runs = ", ".join(f"{r['seconds']:.2f}" for r in checks)
            f_peak = max(r["peak_mb"] for r in floors)
            print(f"  floor process (iterparse, count outcomes): median {f_s:.2f} s ({f_runs}), "
                  f"{f_peak:.0f} MB")  # fmt: skip
            print(f"  slo-gate check --junit:                    median {c_s:.2f} s ({c_runs}), "
                  f"{peak:.0f} MB")  # fmt: skip
            f_cpu = statistics.median(r["cpu"] for r in floors)
            c_cpu = statistics.median(r["cpu"] for r in checks)
            print(f"  CPU seconds (median): floor {f_cpu:.2f}, slo-gate {c_cpu:.2f}, "
                  f"ratio {c_cpu / f_cpu:.2f}x")  # fmt: skip
            s_s = statistics.median(r["seconds"] for r in starts)
            s_cpu = statistics.median(r["cpu"] for r in starts)
            print(f"  start-up (the same check on a 1-case report): median {s_s:.2f} s, "
                  f"CPU {s_cpu:.2f} s; without it: {(c_s - s_s) / f_s:.2f}x wall, "
                  f"{(c_cpu - s_cpu) / f_cpu:.2f}x CPU")  # fmt: skip
            print(f"  ratio of medians {c_s / f_s:.2f}x (pairs {min(ratios):.2f}-"
                  f"{max(ratios):.2f}x; target <= {target}x), peak RSS {peak:.0f} MB "
                  "(target < 100 MB)")  # fmt: skip
            report.unlink()


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
    parser.add_argument("--whole", action="store_true", help="whole processes, two reports")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.whole:
        whole(args.cases, args.repeat)
        return
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
