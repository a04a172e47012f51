"""The release commit status (context ``slo-gate/release``, ≤ 140 characters, no 4-byte
Unicode) and the PR's labels, re-read from the API (the event payload is a snapshot and can be
stale), with who applied an override label and when."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from github import GithubException
from github.IssueEvent import IssueEvent
from github.Label import Label
from github.PaginatedList import PaginatedList
from github.Repository import Repository

from slo_gate.github.client import github_error
from slo_gate.github.paging import post_json
from slo_gate.render.escape import status_description
from slo_gate.verdict import Verdict

StatusState = Literal["success", "failure", "error", "pending"]

STATUS_DESCRIPTION_LIMIT = 140


def release_status(verdict: Verdict) -> tuple[StatusState, str]:
    """State and description of the release commit status: the budgets alone decide it."""
    state = verdict.release.state
    reason = verdict.release.reason
    if state == "open":
        return "success", status_description(reason or "error budgets allow releases")
    prefix = "releases paused" if state == "paused" else "rollback"
    # The engine's reasons already start with the state ("releases paused: ...").
    text = reason if reason.startswith(prefix) else (f"{prefix}: {reason}" if reason else prefix)
    return "failure", status_description(text, STATUS_DESCRIPTION_LIMIT)


# ---------------------------------------------------------------------------- commit status


def publish_release_status(
    repo: Repository,
    sha: str,
    *,
    state: StatusState,
    description: str,
    context: str = "slo-gate/release",
    target_url: str = "",
) -> None:
    """Set the release commit status (one POST, no GET of the commit first).

    The description is flattened to one line, stripped of characters above U+FFFF (which the
    statuses API refuses) and cut to 140 characters.
    """
    body: dict[str, Any] = {
        "state": state,
        "description": status_description(description, STATUS_DESCRIPTION_LIMIT),
        "context": context,
    }
    if target_url:
        body["target_url"] = target_url
    try:
        post_json(repo, f"{repo.url}/statuses/{sha}", body)
    except GithubException as exc:
        raise github_error(exc, f"setting the commit status {context!r} on {sha[:12]}") from None


# ---------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class AppliedLabel:
    """A label on the PR now; for audited labels, who applied it last and when."""

    name: str
    applied_by: str | None = None
    applied_at: datetime | None = None


def read_pr_labels(
    repo: Repository, pr_number: int, audit: Collection[str] = ()
) -> tuple[AppliedLabel, ...]:
    """The PR's current labels from the API (never from the event payload, which is a snapshot).

    For labels named in ``audit`` (the override labels) the issue's events are read to find who
    applied each one last and when, so an override is never anonymous.
    """
    try:
        labels: PaginatedList[Label] = PaginatedList(
            Label, repo.requester, f"{repo.url}/issues/{pr_number}/labels", None
        )
        names = [label.name for label in labels]
        wanted = {name for name in names if name in audit}
        who: dict[str, tuple[str | None, datetime | None]] = {}
        if wanted:
            events: PaginatedList[IssueEvent] = PaginatedList(
                IssueEvent, repo.requester, f"{repo.url}/issues/{pr_number}/events", None
            )
            for event in events:
                if event.event != "labeled" or event.label is None:
                    continue
                if event.label.name in wanted:
                    actor = event.actor.login if event.actor is not None else None
                    who[event.label.name] = (actor, event.created_at)
    except GithubException as exc:
        raise github_error(exc, f"reading the labels of pull request #{pr_number}") from None
    return tuple(AppliedLabel(name, *who.get(name, (None, None))) for name in names)
