"""Command-line parsing and dispatch: ``slo-gate check | report | action | validate | schema``.

This is the edge: the only place that reads the process environment (once, into a ``RunEnv``)
and the clock; each command in ``slo_gate.commands`` receives them. ``main`` holds the one
error handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import TextIO

from slo_gate import __version__
from slo_gate.commands import action, check, report, schema, validate
from slo_gate.errors import ExitCode, SloGateError
from slo_gate.runenv import RunEnv

Clock = Callable[[], datetime]

#: in the order ``--help`` lists them
COMMANDS: dict[str, ModuleType] = {
    "check": check,
    "action": action,
    "validate": validate,
    "schema": schema,
    "report": report,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slo-gate",
        description="Turn Service Level Objectives into a CI release gate.",
    )
    parser.add_argument("--version", action="version", version=f"slo-gate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


def _now() -> datetime:
    return datetime.now(UTC)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    """Run a command; user errors print a message and a fix, never a traceback."""
    out = out or sys.stdout
    err = err or sys.stderr
    environ = dict(os.environ) if env is None else env
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version or a usage error
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    try:
        run_env = RunEnv.from_environ(environ)
        code: int = COMMANDS[args.command].run(args, run_env, out, clock or _now)
        return code
    except SloGateError as exc:
        err.write(exc.render() + "\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
