"""``slo-gate action``'s help, light: the command itself is imported when it runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock
    from slo_gate.runenv import RunEnv


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "action",
        help="run as the GitHub Action step: inputs from INPUT_* variables, publish the verdict",
        description="What the GitHub Action runs: reads its inputs from the INPUT_* variables "
        "and the run from the GITHUB_* variables, runs the gate and publishes the check run, "
        "the pull-request comment, the release status, the job summary and the step outputs.",
        epilog="""\
example (in a workflow step; the action.yml of slo-gate does this):
  env INPUT_CONFIG=.github/slo-gate.yml INPUT_JUNIT='reports/*.xml' slo-gate action

exit codes:
  0  pass or warn (and pause or rollback outside mode: release)
  1  fail; in mode: release also pause and rollback
  2  the policy file or an input is wrong, or there is nothing to measure
  3  a bug in slo-gate
  4  GitHub could not be used and fail-on-error (or history.on_api_error: fail) says to fail""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Import ``slo_gate.commands.action`` (only now) and run it."""
    from slo_gate.commands import action

    return action.run(args, env, out, clock)
