"""``slo-gate action``: the GitHub Action's entry point (``action.yml`` runs it).

Reads the inputs and the step's run environment, runs the gate through
``commands.check.perform_check`` — or, in ``publish`` mode, takes a fork PR's verdict from an
artifact — and publishes: check run with annotations, one PR comment, the release status, the
job summary and the step outputs. Fork PRs (a read-only token) publish nothing but the job
summary and the files that a ``workflow_run`` workflow uploads and publishes later.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from slo_gate.commands.check import CheckOptions, perform_check
from slo_gate.commands.inputs import Clock, shared_client
from slo_gate.config.inputs import (
    ActionInputs,
    pull_request_number,
    target_sha,
    token_is_read_only,
)
from slo_gate.config.policy import Policy
from slo_gate.engine.release import verdict_exit_code
from slo_gate.errors import GitHubError, SloGateError
from slo_gate.files import write_output
from slo_gate.gha import GhaWriter, verdict_outputs
from slo_gate.github.artifacts import (
    fetch_verdict_artifact,
    find_pull_requests,
    read_verdict,
    workflow_run_info,
)
from slo_gate.github.client import NETWORK_ERRORS, GitHubClient, github_error
from slo_gate.github.comment import resolve_identity
from slo_gate.github.publish import PublishSettings, PublishTarget, Rendered, publish_verdict
from slo_gate.github.shared import SharedClient
from slo_gate.github.status import read_pr_labels
from slo_gate.measurements import Annotation
from slo_gate.render.annotations import verdict_annotations
from slo_gate.render.json_out import render_json
from slo_gate.render.markdown import render_markdown
from slo_gate.render.terminal import render_terminal
from slo_gate.render.trends import policy_trends
from slo_gate.runenv import RunEnv
from slo_gate.verdict import Override, Verdict


@dataclass(frozen=True)
class Published:
    verdict: Verdict
    annotations: Sequence[Annotation]
    status_context: str
    trends: str = ""  # Mermaid charts of the history, for the job summary only


def _label_overrides(
    github: SharedClient, pr: int | None, read_only: bool
) -> Callable[[Policy, datetime], tuple[Override | None, Override | None]]:
    """Read the PR's labels from the API (never the payload) once the policy names them."""

    def read(policy: Policy, now: datetime) -> tuple[Override | None, Override | None]:
        if not github.usable or pr is None or read_only:
            return None, None
        names = {policy.release.override_label, policy.release.accept_increase_label}
        labels = {lab.name: lab for lab in read_pr_labels(github.get().repo(), pr, audit=names)}

        def as_override(name: str, kind: str) -> Override | None:
            lab = labels.get(name)
            if lab is None:
                return None
            return Override.model_validate(
                {
                    "kind": kind,
                    "by": lab.applied_by or "unknown",
                    "reason": f"label {name} on pull request #{pr}",
                    "at": lab.applied_at or now,
                    "source": "label",
                }
            )

        return (
            as_override(policy.release.override_label, "release-freeze"),
            as_override(policy.release.accept_increase_label, "accept-increase"),
        )

    return read


def _write(workspace: Path, relative: str, text: str) -> None:
    if relative:
        write_output(workspace / relative, text)


def _check(
    inputs: ActionInputs,
    run: RunEnv,
    clock: Clock,
    github: SharedClient,
    pr: int | None,
    read_only: bool,
    gha: GhaWriter,
) -> Published:
    workspace = Path(run.workspace or ".") / inputs.working_directory
    config = workspace / inputs.config
    checked = perform_check(
        CheckOptions(
            config=config if config.is_file() or inputs.config != ".github/slo-gate.yml" else None,
            workspace=workspace,
            history_store=inputs.history or None,
            mode="release" if inputs.mode == "release" else "pr",
            junit=inputs.junit,
            playwright=inputs.playwright,
            no_record=read_only,
            labels=_label_overrides(github, pr, read_only),
        ),
        run,
        clock,
        github,
    )
    if checked.loaded.path is None:
        gha.notice(
            f"no policy file at {inputs.config}: only the given test reports are measured, "
            "with the built-in thresholds (run `slo-gate init` to write a policy)"
        )
    for line in checked.log:
        gha.log(line)
    policy = checked.loaded.policy
    trends = policy_trends(checked.history, checked.verdict.evaluated_at, policy)
    return Published(checked.verdict, checked.annotations, policy.release.status_context, trends)


def _from_artifact(
    inputs: ActionInputs, event: Mapping[str, Any], client: GitHubClient
) -> tuple[Published, PublishTarget]:
    info = workflow_run_info(event)
    files = fetch_verdict_artifact(client.repo(), info.run_id, inputs.artifact_name)
    verdict = read_verdict(files, info.run_id)  # validated: a bad artifact is an InputError
    prs = find_pull_requests(client.repo(), info)
    target = PublishTarget(info.head_sha, prs[0] if prs else None)
    return Published(verdict, verdict_annotations(verdict, None), "slo-gate/release"), target


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    """Run the gate as a workflow step; user errors become ``::error`` lines and exit codes."""
    return run_action(env, out, clock)


def run_action(env: RunEnv, out: TextIO, clock: Clock) -> int:
    gha = GhaWriter(env, out)
    try:
        inputs = ActionInputs.from_inputs(env.inputs)
        gha.add_mask(inputs.token)
        return _run(inputs, env, gha, clock)
    except SloGateError as exc:
        gha.error(exc.message + (f" — fix: {exc.fix}" if exc.fix else ""), title="slo-gate")
        return int(exc.exit_code)


def _run(inputs: ActionInputs, run: RunEnv, gha: GhaWriter, clock: Clock) -> int:
    github = shared_client(run, token=inputs.token)
    read_only = token_is_read_only(run)
    if inputs.mode == "publish":
        if not github.usable:
            raise GitHubError(
                "publish mode needs a token and GITHUB_REPOSITORY",
                fix="run it in a workflow_run workflow with github-token",
            )
        published, target = _from_artifact(inputs, run.event, github.get())
    else:
        pr = pull_request_number(run.event_name, run.event)
        target = PublishTarget(target_sha(run.event_name, run.event, run.sha), pr, read_only)
        published = _check(inputs, run, clock, github, pr, read_only, gha)
    verdict = published.verdict
    summary = render_markdown(verdict)
    workspace = Path(run.workspace or ".") / inputs.working_directory
    _write(workspace, inputs.json_path, render_json(verdict))
    _write(workspace, inputs.markdown, summary)
    gha.append_summary(summary + published.trends)
    gha.set_outputs(verdict_outputs(verdict, summary))
    _annotate(gha, published.annotations)
    gha.report(render_terminal(verdict))  # the report in the log, never obeyed as commands
    if github.usable and not read_only:
        _publish(inputs, github.get(), published, summary, target, run, gha)
    elif read_only:
        gha.notice(
            "read-only token (a fork pull request): the verdict is in the job summary "
            "and the files; publish it from a workflow_run workflow (docs/workflows)"
        )
    if (line := github.summary()) is not None:
        gha.log(line)
    return verdict_exit_code(verdict) if inputs.mode != "publish" else 0


def _annotate(gha: GhaWriter, annotations: Sequence[Annotation]) -> None:
    """The first ten as workflow-command annotations (GitHub shows ten per level and step)."""
    for annotation in list(annotations)[:10]:
        level = "error" if annotation.level == "failure" else annotation.level
        gha.annotate(
            level,
            annotation.message,
            title=annotation.title,
            file=annotation.path,
            line=annotation.start_line,
        )


#: publishing failures handled like HTTP failures: GitHub's answers and failing to reach it
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (GitHubError, *NETWORK_ERRORS)


def _publish(
    inputs: ActionInputs,
    client: GitHubClient,
    published: Published,
    summary: str,
    target: PublishTarget,
    run: RunEnv,
    gha: GhaWriter,
) -> None:
    verdict = published.verdict
    title = f"slo-gate: {verdict.decision}" + (
        f", release {verdict.release.state}" if verdict.release.state != "open" else ""
    )
    try:
        settings = PublishSettings(
            check_name=inputs.check_name,
            comment=inputs.comment,
            comment_key=inputs.comment_key,
            status_context=inputs.status_context or published.status_context,
            details_url=run.run_url,
            identity=resolve_identity(client.github),
        )
        publish_verdict(
            client.repo(),
            verdict,
            Rendered(title, summary, summary, "", tuple(published.annotations)),
            target,
            settings,
        )
    except PUBLISH_ERRORS as exc:
        # a refused connection, DNS, a timeout or TLS is handled like an HTTP failure
        error = github_error(exc, "publishing the verdict", inputs.token)
        if inputs.fail_on_error:
            raise error from None
        gha.warning(
            f"publishing failed: {error.message}" + (f" — fix: {error.fix}" if error.fix else ""),
            title="slo-gate",
        )
