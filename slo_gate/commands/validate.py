"""``slo-gate validate``: check a policy file and explain its problems."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from slo_gate.commands.inputs import Clock
from slo_gate.config.loader import load_policy
from slo_gate.errors import ExitCode
from slo_gate.runenv import RunEnv


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = sub.add_parser("validate", help="check a policy file and explain its problems")
    validate.add_argument("file", nargs="?", type=Path, help="default: .github/slo-gate.yml")


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    loaded = load_policy(args.file, Path.cwd())
    if loaded.path is None:
        out.write("no policy file at .github/slo-gate.yml: the built-in default policy applies\n")
    else:
        out.write(f"{loaded.path}: valid slo-gate policy\n")
    return int(ExitCode.OK)
