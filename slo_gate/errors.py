"""One exception tree for every user-facing error.

Each error carries what went wrong (``message``), and what to do about it (``fix``), plus the
exit code the command ends with. The command-line entry point is the only place that catches
them (see ``cli.main``); nothing else prints tracebacks for user error.
"""

from __future__ import annotations

from enum import IntEnum


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

    def render(self) -> str:
        text = f"error: {self.message}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


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

    def render(self) -> str:
        lines = [f"error: {self.message}"]
        lines.extend(f"  {d}" for d in self.details)
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


class InputError(SloGateError):
    """An input file (history, event payload, ...) cannot be used at all."""


class HistoryError(SloGateError):
    """The history store cannot be read or written."""


class GitHubError(SloGateError):
    """GitHub refused or could not be reached."""

    exit_code = ExitCode.GITHUB
