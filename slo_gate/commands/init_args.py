"""``slo-gate init``'s arguments and help, light: the command itself is imported when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slo_gate.config import DEFAULT_POLICY_PATH

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock
    from slo_gate.runenv import RunEnv

DESCRIPTION = """\
Look at the workspace and write a first policy file holding only what it found: build folders
with HTML entries or a Vite manifest, JUnit XML and Playwright JSON reports, workflows in
.github/workflows and request logs under logs/. Build and run the tests first so that their
output exists. The built-in thresholds are spelt out with their units; edit them to taste."""

EPILOG = """\
example:
  slo-gate init --dry-run          print the policy it would write
  slo-gate init                    write .github/slo-gate.yml

exit codes:
  0  written (or printed with --dry-run)
  2  the file exists (use --force), or nothing to measure was found"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init",
        help="write a first policy file from what the workspace holds",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("--workspace", type=Path, help="project root (default: current folder)")
    init.add_argument(
        "--output",
        metavar="PATH",
        default=DEFAULT_POLICY_PATH,
        help=f"where to write, relative to the workspace (default: {DEFAULT_POLICY_PATH})",
    )
    init.add_argument("--dry-run", action="store_true", help="print the policy, write nothing")
    init.add_argument("--force", action="store_true", help="overwrite an existing policy file")


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Import ``slo_gate.commands.init`` (only now) and run it."""
    from slo_gate.commands import init

    return init.run(args, env, out, clock)
