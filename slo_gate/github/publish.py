"""Publishers: send an already-rendered verdict to GitHub. They decide nothing and render nothing.

``publish_verdict`` sends, in this order, each through its own module:

* the check run (``check_run``: conclusion per DESIGN.md, summary ≤ 65,535, annotations 50
  per request);
* one pull-request comment (``comment``: found by a hidden marker, edited only when the same
  identity wrote it);
* the release commit status (``status``: ≤ 140 characters, no 4-byte Unicode; the PR's
  labels are read there too).

Every function takes a PyGithub ``Repository`` (from ``slo_gate.github.client``) and makes as
few requests as it can: the Actions token has about 1,000 REST requests per hour per repository,
shared by all workflows. Raw ``requester`` calls avoid PyGithub's fetch-before-write GETs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from github.Repository import Repository

from slo_gate.github.check_run import CheckRunResult, check_conclusion, publish_check_run
from slo_gate.github.comment import (
    ACTIONS_BOT,
    CommentMode,
    CommentResult,
    upsert_comment,
    verdict_fingerprint,
)
from slo_gate.github.status import StatusState, publish_release_status, release_status
from slo_gate.measurements import Annotation
from slo_gate.verdict import Verdict

# ---------------------------------------------------------------------------- all of it


@dataclass(frozen=True)
class Rendered:
    """The texts the renderers produced for one verdict (publishers only send them)."""

    title: str
    summary: str
    comment: str
    text: str = ""
    annotations: Sequence[Annotation] = ()


@dataclass(frozen=True)
class PublishTarget:
    """Where results go: the commit (PR head, not the test merge) and the PR, if any."""

    sha: str
    pr_number: int | None
    read_only: bool = False


@dataclass(frozen=True)
class PublishSettings:
    check_name: str = "SLO gate"
    comment: CommentMode = "always"
    comment_key: str = ""
    status_context: str = "slo-gate/release"
    details_url: str = ""
    identity: str = ACTIONS_BOT


@dataclass(frozen=True)
class PublishReport:
    check_run: CheckRunResult | None
    comment: CommentResult | None
    status: tuple[StatusState, str] | None
    skipped: tuple[str, ...] = ()


def publish_verdict(
    repo: Repository,
    verdict: Verdict,
    rendered: Rendered,
    target: PublishTarget,
    settings: PublishSettings,
) -> PublishReport:
    """Send the check run, the PR comment and the release status, in that order.

    With a read-only token (fork PRs) nothing is sent and ``skipped`` says why: the workflow
    uploads the verdict file and a ``workflow_run`` workflow publishes it (``mode: publish``).
    """
    if target.read_only:
        why = (
            "read-only token (a fork's pull request): check run, comment and status are "
            "published by the workflow_run workflow from the uploaded verdict"
        )
        return PublishReport(None, None, None, (why,))
    skipped: list[str] = []
    check = publish_check_run(
        repo,
        name=settings.check_name,
        head_sha=target.sha,
        conclusion=check_conclusion(verdict),
        title=rendered.title,
        summary=rendered.summary,
        text=rendered.text,
        annotations=rendered.annotations,
        details_url=settings.details_url,
    )
    comment: CommentResult | None = None
    if target.pr_number is None:
        skipped.append("no pull request for this event: no comment")
    else:
        comment = upsert_comment(
            repo,
            target.pr_number,
            rendered.comment,
            identity=settings.identity,
            key=settings.comment_key,
            fingerprint=verdict_fingerprint(verdict),
            mode=settings.comment,
        )
    state, description = release_status(verdict)
    publish_release_status(
        repo,
        target.sha,
        state=state,
        description=description,
        context=settings.status_context,
        target_url=settings.details_url,
    )
    return PublishReport(check, comment, (state, description), tuple(skipped))
