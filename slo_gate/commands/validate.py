"""``slo-gate validate``: check a policy file and explain its problems."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from slo_gate.commands.inputs import Clock
from slo_gate.config.loader import DEFAULT_POLICY_PATH, load_policy
from slo_gate.errors import ExitCode, PolicyError, UsageError
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
    return int(ExitCode.OK)
