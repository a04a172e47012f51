"""``slo-gate validate``: check a policy file and explain its problems."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from slo_gate.config.loader import DEFAULT_POLICY_PATH, load_policy
from slo_gate.errors import ExitCode, PolicyError, UsageError
from slo_gate.runenv import RunEnv
from slo_gate.text import visible

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock  # the GitHub and history code: types only


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    if args.file is not None and args.config is not None and args.file != args.config:
        raise UsageError(
            "two policy files given (FILE and --config)", fix="give one of FILE or --config"
        )
    workspace = args.workspace or Path(env.workspace or ".")
    loaded = load_policy(args.config or args.file, workspace)
    if loaded.path is None:
        raise PolicyError(
            f"no policy file at {DEFAULT_POLICY_PATH}",
            fix="run `slo-gate init` to write one, or pass --config PATH",
        )
    sources = ", ".join(loaded.policy.sections) or "none (no source section: nothing is measured)"
    out.write(f"{loaded.path}: valid slo-gate policy; sources: {sources}\n")
    for note in loaded.notes:
        out.write(f"note: {visible(note)}\n")
    return int(ExitCode.OK)
