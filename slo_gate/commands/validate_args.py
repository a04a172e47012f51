"""``slo-gate validate``'s arguments and help, light: the command is imported when it runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock
    from slo_gate.runenv import RunEnv


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = sub.add_parser(
        "validate",
        help="check a policy file and explain its problems",
        description="Check a policy file: every problem with its key, line, what was expected "
        'and the fix ("did you mean" for misspelt keys, the unit for a bare number).',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("file", nargs="?", type=Path, help="default: .github/slo-gate.yml")
    validate.add_argument(
        "--config", type=Path, help="the policy file (the same as FILE, as check spells it)"
    )
    validate.add_argument("--workspace", type=Path, help="project root (default: current folder)")


EPILOG = """\
example:
  slo-gate validate                         check .github/slo-gate.yml
  slo-gate validate --config ci/policy.yml

exit codes:
  0  the policy is valid
  2  it is not (or there is none): the message names the key, the line and the fix"""


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Import ``slo_gate.commands.validate`` (only now) and run it."""
    from slo_gate.commands import validate

    return validate.run(args, env, out, clock)
