"""JUnit reading counted in instructions (valgrind's cachegrind), which do not move with the load.

Wall time on a shared 2-core machine moves by 10-30 % from minute to minute, more than a
change to the reader does; the number of instructions a process executes does not. This script
writes the two reports of ``junit.py --whole`` at ``--cases`` (default 100,000) and counts,
each in its own process under ``valgrind --tool=cachegrind --cache-sim=no``:

- the floor: a streaming ``lxml.etree.iterparse`` loop that reads each case's outcome, clears
  it and drops its earlier siblings (``junit.py``'s floor process);
- slo-gate's reader (``JUnitFile.cases(fold_plain=True)``, as ``slo-gate check`` folds it), from
  this tree, and from ``--before DIR`` too when given (e.g. a ``git archive`` of an older commit);
- the whole ``slo-gate check --junit FILE --no-record --quiet``;

each minus the same process on a one-case report (the interpreter and the imports), and prints
the ratios to the floor. Needs valgrind on PATH.

Usage: ``python benchmarks/junit_instructions.py [--cases N] [--before DIR]``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.junit import FLOOR_PROCESS, generate_whole, process_env  # noqa: E402

# The tree to read comes first on sys.path; the editable install's finder is taken out of the
# way so that ``--before`` really reads the older tree.
_READER = """
import sys
from pathlib import Path
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv[2])
from slo_gate.collectors.junit import JUnitFile
assert sys.modules["slo_gate.collectors.junit"].__file__.startswith(sys.argv[2])
report = JUnitFile(Path(sys.argv[1]), "report.xml")
for _ in report.cases(fold_plain=True):
    pass
"""

_ONE_CASE = '<testsuites><testsuite name="s"><testcase name="a"/></testsuite></testsuites>'
_VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(argv: list[str], cwd: Path) -> int:
    done = subprocess.run(
        [*_VALGRIND, *argv],
        cwd=cwd,
        env=process_env(cwd),
        capture_output=True,
        text=True,
        check=False,
    )
    found = _REFS.search(done.stderr)
    if found is None or done.returncode not in (0, 1):
        raise SystemExit(f"{argv[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def net(argv: list[str], report: Path, one: Path, cwd: Path) -> int:
    """Instructions for ``report`` minus those for the one-case report: start-up left out.

    One run without valgrind first writes the bytecode (to the cache ``process_env`` names), so
    that neither counted run compiles anything.
    """
    warm = [arg.replace("{REPORT}", str(one)) for arg in argv]
    subprocess.run(warm, cwd=cwd, env=process_env(cwd), capture_output=True, check=False)
    full = instructions([arg.replace("{REPORT}", str(report)) for arg in argv], cwd)
    empty = instructions([arg.replace("{REPORT}", str(one)) for arg in argv], cwd)
    return full - empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--before", type=Path, help="an older tree (folder holding slo_gate/)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")
    slo_gate = str(Path(sys.executable).with_name("slo-gate"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one = work / "one.xml"
        one.write_text(_ONE_CASE, encoding="utf-8")
        runs = {
            "floor (iterparse loop)": [sys.executable, "-c", FLOOR_PROCESS, "{REPORT}"],
            "slo-gate reader": [sys.executable, "-c", _READER, "{REPORT}", str(ROOT)],
        }
        if args.before is not None:
            before = str(args.before.resolve())
            runs["reader from --before"] = [sys.executable, "-c", _READER, "{REPORT}", before]
        check = [slo_gate, "check", "--junit", "{REPORT}", "--no-record", "--quiet"]
        runs["slo-gate check"] = check
        for name, failing in (("all-pass", 0.0), ("failure-heavy", 0.01)):
            report = work / f"{name}.xml"
            generate_whole(report, args.cases, failing=failing)
            print(f"{name}: {args.cases:,} cases, instructions beyond a one-case report")
            floor = 0
            for label, argv in runs.items():
                count = net(argv, report, one, work)
                floor = floor or count
                print(f"  {label:24s} {count / 1e9:6.2f} G  {count / floor:5.2f}x the floor")
        start = instructions([arg.replace("{REPORT}", str(one)) for arg in check], work)
        bare = instructions([sys.executable, "-c", "pass"], work)
        print(f"start-up: slo-gate check on {one.name} {start / 1e9:.2f} G, python -c pass "
              f"{bare / 1e9:.2f} G")  # fmt: skip


if __name__ == "__main__":
    main()
