"""``slo-gate schema policy|verdict``: print a JSON Schema."""

from __future__ import annotations

import argparse
from typing import TextIO

from slo_gate.commands.inputs import Clock
from slo_gate.config.schema import schema_text
from slo_gate.errors import ExitCode
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
    out.write(schema_text(args.which))
    return int(ExitCode.OK)
