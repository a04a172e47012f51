"""``slo-gate schema policy|verdict``: print a JSON Schema."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from slo_gate.config.schema import schema_text
from slo_gate.errors import ExitCode
from slo_gate.runenv import RunEnv

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock  # the GitHub and history code: types only


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    out.write(schema_text(args.which))
    return int(ExitCode.OK)
