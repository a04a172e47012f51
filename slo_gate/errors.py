"""One exception tree for every user-facing error.

Each error carries what went wrong (``message``), and what to do about it (``fix``), plus the
exit code the command ends with. The command-line entry point is the only place that catches
them (see ``cli.main``); nothing else prints tracebacks for user error.

Messages quote policy keys, paths and API answers, which may come from a pull request: ``render``
writes each part through ``text.visible`` (one line, control characters shown as ``?``), so a
key holding a newline and ``::error::…`` stays on the ``error:`` line; should a line still look
like a workflow command, the whole message is wrapped in ``::stop-commands::TOKEN``.
"""

from __future__ import annotations

from enum import IntEnum

from slo_gate.text import looks_like_command, new_stop_token, stop_commands, visible


class ExitCode(IntEnum):
    """Process exit codes (DESIGN.md: decisions and how they reach people)."""

    OK = 0
    GATE_FAILED = 1  # fail, or pause/rollback in release mode
    USAGE = 2  # bad policy file, bad arguments, bad input the user must fix
    INTERNAL = 3  # a bug in slo-gate: please report it
    GITHUB = 4  # GitHub could not be reached or refused us, and the policy says to fail


class SloGateError(Exception):
    """Base class: a problem the user can act on."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def lines(self) -> list[str]:
        """The message's lines, each part shown with ``visible``."""
        lines = [f"error: {visible(self.message)}"]
        if self.fix:
            lines.append(f"  fix: {visible(self.fix)}")
        return lines

    def render(self, stop_token: str | None = None) -> str:
        """The message for stderr; never a workflow command (see the module docstring).

        ``stop_token`` is the stop-commands token (random when not given).
        """
        text = "\n".join(self.lines())
        if not looks_like_command(text):
            return text
        return stop_commands(text, stop_token or new_stop_token()).rstrip("\n")


class UsageError(SloGateError):
    """The command line asks for something impossible."""


class PolicyError(SloGateError):
    """The policy file is missing, unreadable or invalid."""

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message, fix=fix)
        self.details = details or []

    def lines(self) -> list[str]:
        lines = [f"error: {visible(self.message)}"]
        lines.extend(f"  {visible(d)}" for d in self.details)
        if self.fix:
            lines.append(f"  fix: {visible(self.fix)}")
        return lines


class InputError(SloGateError):
    """An input file (history, event payload, ...) cannot be used at all."""


class HistoryError(SloGateError):
    """The history store cannot be read or written."""


class GitHubError(SloGateError):
    """GitHub refused or could not be reached."""

    exit_code = ExitCode.GITHUB
