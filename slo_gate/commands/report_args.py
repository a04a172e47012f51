"""``slo-gate report``'s arguments and help, light: the command itself is imported when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slo_gate.context import parse_time_arg

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock
    from slo_gate.runenv import RunEnv


REPORT_EPILOG = """\
examples:
  slo-gate report --month 2026-10 --markdown report.md --html report.html
  slo-gate report --window 30d --offline --json -

exit codes:
  0  the report was written (whatever the SLOs say)
  2  the policy file or the command line is wrong
  3  a bug in slo-gate (--debug prints the traceback)
  4  GitHub could not be used and history.on_api_error: fail says to fail on that"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``report`` subcommand's arguments (the CLI calls this from ``build_parser``)."""
    p = sub.add_parser(
        "report",
        help="the monthly SLO report, alert issues and trends",
        description="The SLO report of a calendar month or a rolling window: every SLO over the "
        "period, error budgets, incidents and trends, from the recorded history (and, with a "
        "token, CI runs and incident issues).",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--month", metavar="YYYY-MM", help="a calendar month (policy time zone)")
    which.add_argument("--window", metavar="DURATION", help="a rolling window ending now, e.g. 30d")
    p.add_argument("--config", type=Path, help="policy file (default .github/slo-gate.yml)")
    p.add_argument("--workspace", type=Path, help="project root (default: current folder)")
    p.add_argument("--history", type=Path, metavar="PATH", help="local history file")
    p.add_argument(
        "--markdown", type=Path, metavar="PATH", help="write the report as Markdown (- for stdout)"
    )
    p.add_argument(
        "--json", type=Path, metavar="PATH", help="write the report as JSON (- for stdout)"
    )
    p.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="write one self-contained HTML page (- for stdout)",
    )
    p.add_argument("--publish", choices=["issue"], help="post (or update) the month's issue")
    p.add_argument("--alerts", action="store_true", help="open/update/close alert issues")
    p.add_argument("--now", type=parse_time_arg, metavar="TIME", help="report as of this ISO time")
    p.add_argument("--incident-label", default="incident", help="label of incident issues")
    p.add_argument("--offline", action="store_true", help="do not read GitHub (no CI, no issues)")


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Import ``slo_gate.commands.report`` (only now) and run it."""
    from slo_gate.commands import report

    return report.run(args, env, out, clock)
