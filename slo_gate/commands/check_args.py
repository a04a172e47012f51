"""``slo-gate check``'s arguments and help, light: the command itself is imported when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slo_gate.context import parse_time_arg

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock
    from slo_gate.runenv import RunEnv


CHECK_EPILOG = """\
examples:
  slo-gate check                                     the policy in .github/slo-gate.yml
  slo-gate check --junit 'reports/**/*.xml'          only test reports, no policy file needed
  slo-gate check --json verdict.json --markdown -    the verdict as JSON, Markdown on stdout

exit codes:
  0  pass or warn (and pause or rollback outside --mode release)
  1  fail: a hard limit is broken; in --mode release also pause and rollback
  2  the policy file or the command line is wrong, or there is nothing to measure
  3  a bug in slo-gate (--debug prints the traceback)
  4  GitHub could not be used and history.on_api_error: fail says to fail on that"""


def positive_int(text: str) -> int:
    """An argparse type: a whole number from 1 to 1024."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"must lie within 1 and 1024, got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``check`` subcommand's arguments."""
    check = sub.add_parser(
        "check",
        help="measure, evaluate the SLOs and decide",
        description="Measure the sources the policy turns on (bundles, tests, server logs, CI, "
        "build time) and those given on the command line, evaluate the SLOs and error budgets, "
        "and decide: pass, warn, fail, pause or rollback.",
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "--config",
        type=Path,
        help="policy file (default .github/slo-gate.yml; `slo-gate init` writes one)",
    )
    check.add_argument("--workspace", type=Path, help="project root (default: current folder)")
    check.add_argument(
        "--json", type=Path, metavar="PATH", help="write the verdict as JSON (- for stdout)"
    )
    check.add_argument(
        "--markdown", type=Path, metavar="PATH", help="write a Markdown summary (- for stdout)"
    )
    check.add_argument(
        "--history",
        type=Path,
        metavar="PATH",
        help="local history file (default: the policy's history.file)",
    )
    check.add_argument("--no-record", action="store_true", help="do not record this run")
    check.add_argument(
        "--baseline",
        metavar="REF",
        help="compare with the record of this commit (prefix) or branch",
    )
    check.add_argument(
        "--mode",
        choices=["pr", "release"],
        default="pr",
        help="release mode fails the step on pause and rollback (default: pr)",
    )
    check.add_argument(
        "--now",
        type=parse_time_arg,
        metavar="TIME",
        help="evaluate as of this ISO 8601 time (default: the clock)",
    )
    check.add_argument("--commit", help="commit being checked (default: GITHUB_SHA or git)")
    check.add_argument("--branch", help="branch being checked (default: GITHUB_REF or git)")
    check.add_argument(
        "--junit",
        action="append",
        default=[],
        metavar="GLOB",
        help="JUnit XML report files or globs (default: the policy's tests.junit)",
    )
    check.add_argument(
        "--playwright",
        action="append",
        default=[],
        metavar="GLOB",
        help="Playwright JSON reports (default: the policy's tests.playwright)",
    )
    check.add_argument(
        "--workers", type=positive_int, help="compression threads, 1-1024 (default: all cores)"
    )
    check.add_argument(
        "--override",
        metavar="REASON",
        help="lift a release pause for an urgent fix; recorded with who, why and when",
    )
    check.add_argument("--repo", metavar="OWNER/NAME", help="GitHub repository (with GITHUB_TOKEN)")
    check.add_argument("--quiet", action="store_true", help="print only the decision")


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Import ``slo_gate.commands.check`` (only now) and run it."""
    from slo_gate.commands import check

    return check.run(args, env, out, clock)
