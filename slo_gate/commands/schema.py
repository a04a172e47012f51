"""``slo-gate schema policy|verdict``: print a JSON Schema.

It prints the schema files shipped in ``slo_gate/data/``, which a test keeps equal to what
``slo_gate.config.schema`` generates from the models: reading a file needs no pydantic.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from slo_gate.errors import ExitCode
from slo_gate.runenv import RunEnv

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock  # the GitHub and history code: types only

DATA = Path(__file__).resolve().parents[1] / "data"


def shipped_path(which: Literal["policy", "verdict"]) -> Path:
    return DATA / f"{which}.schema.json"


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    out.write(shipped_path(args.which).read_text(encoding="utf-8"))
    return int(ExitCode.OK)
