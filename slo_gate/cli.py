"""Command-line parsing and dispatch: ``slo-gate check | report | action | validate | schema``.

This is the edge: the only place that reads the process environment (once, into a ``RunEnv``)
and the clock; each command in ``slo_gate.commands`` receives them. ``main`` holds the one
error handler.

The parser is built from the light ``commands/<name>_args.py`` modules (arguments and help);
a command's own module, with what it imports (GitHub, lxml, the collectors, the report), is
imported only when that command runs, so ``--version``, ``--help``, ``validate`` and ``schema``
start quickly (a test keeps ``import slo_gate.cli`` free of them).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import TextIO

from slo_gate import __version__
from slo_gate.commands import (
    action_args,
    check_args,
    init_args,
    report_args,
    schema_args,
    validate_args,
)
from slo_gate.errors import ExitCode, SloGateError
from slo_gate.runenv import IN_ACTIONS, RunEnv
from slo_gate.text import new_stop_token, stop_commands, visible

Clock = Callable[[], datetime]

#: in the order ``--help`` lists them
COMMANDS: dict[str, ModuleType] = {
    "check": check_args,
    "action": action_args,
    "init": init_args,
    "validate": validate_args,
    "schema": schema_args,
    "report": report_args,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slo-gate",
        description="Turn Service Level Objectives into a CI release gate.",
    )
    parser.add_argument("--version", action="version", version=f"slo-gate {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="print the traceback when slo-gate fails with a bug (exit 3)",
    )
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
    if env is None:
        # the real process: slo-gate's models use no pydantic plugin, so pydantic need not
        # read every installed package's entry points to look for one (its documented switch)
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    environ = dict(os.environ) if env is None else env
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version or a usage error
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    in_actions = environ.get(IN_ACTIONS) == "true"
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
    except Exception as exc:  # the one top-level handler: anything else is a bug
        return _bug(exc, debug=bool(args.debug), in_actions=in_actions, out=out, err=err)


BUG_REPORTS = "https://github.com/slo-gate/slo-gate/issues"


def _bug(exc: Exception, *, debug: bool, in_actions: bool, out: TextIO, err: TextIO) -> int:
    """Exit 3: say it is a bug, with the version; the traceback only with ``--debug``."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    # the message may hold untrusted text: one line, nothing a runner could read as a command
    first = f"this is a bug in slo-gate {__version__}: {visible(what)}"
    if len(first) > 1000:
        first = first[:1000] + "…"
    if in_actions:
        from slo_gate.gha import format_command  # the verdict models: not needed before a bug

        out.write(format_command("error", first, {"title": "slo-gate"}) + "\n")
    err.write(f"error: {first}\n")
    if debug:
        trace = "".join(traceback.format_exception(exc))
        err.write(stop_commands(trace, new_stop_token()) if in_actions else trace)
    else:
        err.write("  run again with --debug for the traceback\n")
    err.write(f"  please report it with the command line and the traceback: {BUG_REPORTS}\n")
    return int(ExitCode.INTERNAL)
