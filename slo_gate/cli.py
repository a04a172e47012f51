"""Command-line parsing and wiring: ``slo-gate check | validate | schema``.

This is the edge: it reads the environment (as an injected mapping), the clock and files, and
hands plain data to the pure engine and renderers. ``main`` holds the one error handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from slo_gate import __version__
from slo_gate.action import run_action
from slo_gate.check import CheckOptions, perform_check
from slo_gate.config.loader import load_policy
from slo_gate.config.schema import schema_text
from slo_gate.context import parse_time_arg
from slo_gate.engine.release import exit_code
from slo_gate.errors import ExitCode, SloGateError
from slo_gate.files import write_output
from slo_gate.render.json_out import render_json
from slo_gate.render.markdown import render_markdown
from slo_gate.render.terminal import render_terminal
from slo_gate.report.command import add_report_parser, args_from_namespace, run_report

Clock = Callable[[], datetime]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slo-gate",
        description="Turn Service Level Objectives into a CI release gate.",
    )
    parser.add_argument("--version", action="version", version=f"slo-gate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="measure, evaluate the SLOs and decide")
    check.add_argument(
        "--config",
        type=Path,
        help="policy file (default .github/slo-gate.yml, else the built-in default policy)",
    )
    check.add_argument("--workspace", type=Path, help="project root (default: current folder)")
    check.add_argument("--json", type=Path, metavar="PATH", help="write the verdict as JSON")
    check.add_argument("--markdown", type=Path, metavar="PATH", help="write a Markdown summary")
    check.add_argument(
        "--history",
        type=Path,
        metavar="PATH",
        help="local history file (default: the policy's history.file)",
    )
    check.add_argument("--no-record", action="store_true", help="do not record this run")
    check.add_argument(
        "--baseline",
        metavar="REF",
        help="compare with the record of this commit (prefix) or branch",
    )
    check.add_argument(
        "--mode",
        choices=["pr", "release"],
        default="pr",
        help="release mode fails the step on pause and rollback (default: pr)",
    )
    check.add_argument(
        "--now",
        type=parse_time_arg,
        metavar="TIME",
        help="evaluate as of this ISO 8601 time (default: the clock)",
    )
    check.add_argument("--commit", help="commit being checked (default: GITHUB_SHA or git)")
    check.add_argument("--branch", help="branch being checked (default: GITHUB_REF or git)")
    check.add_argument(
        "--junit",
        action="append",
        default=[],
        metavar="GLOB",
        help="JUnit XML report files or globs (default: the policy's tests.junit)",
    )
    check.add_argument(
        "--playwright",
        action="append",
        default=[],
        metavar="GLOB",
        help="Playwright JSON reports (default: the policy's tests.playwright)",
    )
    check.add_argument("--workers", type=int, help="compression threads (default: all cores)")
    check.add_argument(
        "--override",
        metavar="REASON",
        help="lift a release pause for an urgent fix; recorded with who, why and when",
    )
    check.add_argument("--repo", metavar="OWNER/NAME", help="GitHub repository (with GITHUB_TOKEN)")
    check.add_argument("--quiet", action="store_true", help="print only the decision")

    sub.add_parser(
        "action",
        help="run as the GitHub Action step: inputs from INPUT_* variables, publish the verdict",
    )

    validate = sub.add_parser("validate", help="check a policy file and explain its problems")
    validate.add_argument("file", nargs="?", type=Path, help="default: .github/slo-gate.yml")

    schema = sub.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=["policy", "verdict"])
    add_report_parser(sub)
    return parser


def _options(args: argparse.Namespace) -> CheckOptions:
    return CheckOptions(
        config=args.config,
        workspace=args.workspace,
        history=args.history,
        no_record=args.no_record,
        baseline=args.baseline,
        mode=args.mode,
        now=args.now,
        commit=args.commit,
        branch=args.branch,
        junit=args.junit,
        playwright=args.playwright,
        workers=args.workers,
        override=args.override,
        repo=args.repo,
    )


def run_check(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, clock: Clock) -> int:
    run = perform_check(_options(args), env, clock)
    verdict = run.verdict
    if args.json:
        write_output(args.json, render_json(verdict))
    if args.markdown:
        write_output(args.markdown, render_markdown(verdict))
    source = run.loaded.path or "built-in default policy (SLOS.md)"
    if args.quiet:
        out.write(f"decision: {verdict.decision}\n")
    else:
        out.write(
            f"slo-gate {__version__} · policy: {source} · history: {run.store_name} "
            f"({len(run.history)} records)\n\n"
        )
        out.write(render_terminal(verdict))
    for line in run.log:
        out.write(line + "\n")
    return exit_code(verdict.decision, verdict.mode)


def run_validate(args: argparse.Namespace, out: TextIO) -> int:
    loaded = load_policy(args.file, Path.cwd())
    if loaded.path is None:
        out.write("no policy file at .github/slo-gate.yml: the built-in default policy applies\n")
    else:
        out.write(f"{loaded.path}: valid slo-gate policy\n")
    return int(ExitCode.OK)


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
        if args.command == "check":
            return run_check(args, environ, out, clock or (lambda: datetime.now(UTC)))
        if args.command == "action":
            return run_action(environ, out, clock or (lambda: datetime.now(UTC)))
        if args.command == "report":
            report_args = args_from_namespace(args)
            return run_report(report_args, environ, out, clock or (lambda: datetime.now(UTC)))
        if args.command == "validate":
            return run_validate(args, out)
        out.write(schema_text(args.which))
        return int(ExitCode.OK)
    except SloGateError as exc:
        err.write(exc.render() + "\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
