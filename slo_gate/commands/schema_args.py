"""``slo-gate schema``'s arguments and help, light: the command is imported when it runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock
    from slo_gate.runenv import RunEnv


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schema = sub.add_parser(
        "schema",
        help="print a JSON Schema",
        description="Print the JSON Schema of the policy file (for editors and CI checks) or of "
        "the verdict that `check --json` writes (the contract other tools read).",
        epilog="""\
examples:
  slo-gate schema policy > policy.schema.json
  slo-gate schema verdict

exit codes:
  0  printed
  2  unknown schema name""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument("which", choices=["policy", "verdict"])


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Import ``slo_gate.commands.schema`` (only now) and run it."""
    from slo_gate.commands import schema

    return schema.run(args, env, out, clock)
