"""What a gate run is about: workspace, commit, branch, event — from the run environment or git.

A view of ``RunEnv`` (explicit command-line values win, then the Actions environment, then git).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from slo_gate.runenv import RunEnv


@dataclass(frozen=True)
class RunContext:
    workspace: Path
    commit: str | None
    branch: str | None
    base_branch: str | None
    event: str | None
    run_id: str | None

    @property
    def baseline_branch(self) -> str | None:
        """Pull requests compare with their base branch; pushes with their own branch."""
        return self.base_branch or self.branch


def parse_time_arg(text: str) -> datetime:
    """An ISO 8601 time from the command line (``--now``); a time without a zone is UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time such as 2026-11-01T00:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _git(workspace: Path, *args: str) -> str | None:
    import subprocess  # only a run that is not told its commit or branch asks git

    try:
        done = subprocess.run(
            ["git", *args],
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def _branch_from_ref(ref: str | None) -> str | None:
    if not ref:
        return None
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return None


def run_context(
    run: RunEnv,
    workspace: Path | None = None,
    commit: str | None = None,
    branch: str | None = None,
) -> RunContext:
    """Explicit values win, then the Actions environment, then git, then nothing."""
    ws = workspace or Path(run.workspace or ".")
    in_actions = run.in_actions
    found_commit = commit or ((run.sha or None) if in_actions else None)
    found_branch = branch or ((run.head_ref or _branch_from_ref(run.ref)) if in_actions else None)
    if found_commit is None:
        found_commit = _git(ws, "rev-parse", "HEAD")
    if found_branch is None:
        name = _git(ws, "rev-parse", "--abbrev-ref", "HEAD")
        found_branch = None if name in (None, "HEAD") else name
    return RunContext(
        workspace=ws,
        commit=found_commit,
        branch=found_branch,
        base_branch=(run.base_ref or None) if in_actions else None,
        event=(run.event_name or None) if in_actions else "local",
        run_id=(run.run_id or None) if in_actions else None,
    )
