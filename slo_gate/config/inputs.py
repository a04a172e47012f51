"""The Action's inputs (the raw ``INPUT_*`` variables the run environment collected).

For a Docker action the runner passes each input as ``INPUT_<NAME>``, upper-cased with spaces
turned into underscores and hyphens *kept* (``INPUT_GITHUB-TOKEN``); some local runners turn
hyphens into underscores, so both spellings are read (the hyphenated one wins).

``ActionInputs`` is the single list of inputs: a test keeps it, ``action.yml`` and the input
table of the README (``docs/action-inputs.md`` until the README exists) in agreement.

The event payload decides where results go: on ``pull_request`` ``GITHUB_SHA`` is a test-merge
commit that the pull request never shows, so check runs and statuses go on the PR's head
commit; on ``workflow_run`` on the triggering run's head.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from slo_gate.errors import InputError
from slo_gate.runenv import RunEnv

Mode = Literal["pr", "release", "publish"]
CommentMode = Literal["always", "changed", "off"]
HistoryChoice = Literal["", "file", "github-branch", "off"]

TRUE_WORDS = frozenset({"true", "True", "TRUE"})
FALSE_WORDS = frozenset({"false", "False", "FALSE"})
"""The YAML 1.2 core-schema booleans, as ``core.getBooleanInput`` of the Actions toolkit."""

_COMMENT_KEY = re.compile(r"^[A-Za-z0-9._/-]{0,64}$")


def _action_default(value: str) -> dict[str, Any]:
    """Field metadata: the default action.yml declares (when it differs from the model's)."""
    return {"action_default": value}


class ActionInputs(BaseModel):
    """Every input of ``action.yml``; field aliases are the kebab-case input names."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    github_token: SecretStr = Field(
        SecretStr(""),
        alias="github-token",
        description="Token for the GitHub API (check run, comment, statuses, labels, history, "
        "artifacts).",
        json_schema_extra=_action_default("${{ github.token }}"),
    )
    config: str = Field(
        ".github/slo-gate.yml",
        description="Policy file, relative to `working-directory`. Without one, only the "
        "`junit` / `playwright` inputs are measured (with the built-in thresholds); with "
        "neither the step fails with exit 2 (run `slo-gate init` to write a policy).",
    )
    mode: Mode = Field(
        "pr",
        description="`pr`: gate a pull request; `release`: also fail the step on a pause or "
        "rollback; `publish`: publish a fork PR's verdict artifact from a `workflow_run`.",
    )
    json_path: str = Field(
        "",
        alias="json",
        description="Write the verdict JSON here (upload it as an artifact for fork PRs).",
    )
    markdown: str = Field("", description="Write the Markdown report here.")
    check_name: str = Field(
        "SLO gate", alias="check-name", description="Name of the check run.", min_length=1
    )
    comment: CommentMode = Field(
        "always",
        description="PR comment: `always` (create or update), `changed` (write only when the "
        "verdict changed), `off`.",
    )
    comment_key: str = Field(
        "",
        alias="comment-key",
        description="Extra key in the comment's hidden marker, so matrix jobs keep one comment "
        "each.",
    )
    status_context: str = Field(
        "",
        alias="status-context",
        description="Context of the release commit status; empty: the policy's "
        "`release.status_context` (`slo-gate/release`).",
        max_length=255,
    )
    working_directory: str = Field(
        ".",
        alias="working-directory",
        description="Folder, relative to the workspace, that holds the policy, the build output "
        "and the reports.",
    )
    history: HistoryChoice = Field(
        "",
        description="History store: `file`, `github-branch` or `off`; empty: the policy's "
        "`history.store`.",
    )
    junit: tuple[str, ...] = Field(
        (),
        description="JUnit XML globs, one per line; replace the policy's `tests.junit`.",
    )
    playwright: tuple[str, ...] = Field(
        (),
        description="Playwright JSON report globs, one per line; replace the policy's "
        "`tests.playwright`.",
    )
    fail_on_error: bool = Field(
        True,
        alias="fail-on-error",
        description="Fail the step when slo-gate cannot run (bad input, GitHub unreachable); "
        "`false` reports such errors as warnings.",
    )
    artifact_name: str = Field(
        "slo-gate-verdict",
        alias="artifact-name",
        description="`publish` mode: name of the artifact that holds the verdict file.",
        min_length=1,
    )

    @field_validator("junit", "playwright", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        """A multi-line input: one glob per line, blank lines and surrounding spaces ignored."""
        if isinstance(value, str):
            return tuple(line.strip() for line in value.splitlines() if line.strip())
        return value

    @field_validator("fail_on_error", mode="before")
    @classmethod
    def _boolean(cls, value: object) -> object:
        """Only YAML 1.2 booleans, like the toolkit: ``yes`` or ``1`` are refused, not guessed."""
        if isinstance(value, str):
            if value in TRUE_WORDS:
                return True
            if value in FALSE_WORDS:
                return False
            raise ValueError("expected true or false")
        return value

    @field_validator("comment_key")
    @classmethod
    def _key(cls, value: str) -> str:
        """The key goes inside an HTML comment: letters, digits and ``._/-`` only."""
        if not _COMMENT_KEY.match(value):
            raise ValueError("use at most 64 letters, digits, '.', '_', '/' or '-'")
        return value

    @field_validator("working_directory")
    @classmethod
    def _inside_workspace(cls, value: str) -> str:
        """The working directory must stay inside the workspace."""
        path = PurePosixPath(value.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            raise ValueError("use a path relative to the workspace, without '..'")
        return value

    @classmethod
    def from_inputs(cls, env: Mapping[str, str]) -> ActionInputs:
        """Read ``INPUT_*`` variables; a bad value is an ``InputError`` naming input and fix."""
        raw: dict[str, str] = {}
        for name in input_names():
            value = read_input(env, name)
            if value is not None:
                raw[name] = value
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            alias = str(first["loc"][0]) if first["loc"] else "?"
            given = raw.get(alias, "")
            raise InputError(
                f"action input `{alias}` is invalid ({first['msg']}); got {given[:80]!r}",
                fix=f"set `{alias}` in the step's `with:` block to an allowed value "
                f"(see action.yml: {input_descriptions().get(alias, '')})",
            ) from None

    @property
    def token(self) -> str:
        """The token in clear, for the client factory only (never logged: repr hides it)."""
        return self.github_token.get_secret_value()


def input_names() -> list[str]:
    """The kebab-case names of every input, in declaration order."""
    return [field.alias or name for name, field in ActionInputs.model_fields.items()]


def input_descriptions() -> dict[str, str]:
    """Input name → description, as action.yml and the README show them."""
    return {
        field.alias or name: field.description or ""
        for name, field in ActionInputs.model_fields.items()
    }


def input_defaults() -> dict[str, str]:
    """Input name → the default as action.yml writes it (a string; lists one per line)."""
    defaults: dict[str, str] = {}
    for name, field in ActionInputs.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("action_default"), str):
            defaults[field.alias or name] = str(extra["action_default"])
            continue
        value = field.default
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, tuple):
            text = "\n".join(str(v) for v in value)
        else:
            text = str(value)
        defaults[field.alias or name] = text
    return defaults


def inputs_markdown_table() -> str:
    """The README's input table, generated from the model (pasted between the markers)."""
    rows = ["| input | default | description |", "| --- | --- | --- |"]
    for name, default in input_defaults().items():
        shown = f"`{default}`" if default else "(empty)"
        rows.append(f"| `{name}` | {shown} | {input_descriptions()[name]} |")
    return "\n".join(rows)


def read_input(env: Mapping[str, str], name: str) -> str | None:
    """The raw value of input ``name``: ``INPUT_NAME-WITH-HYPHENS`` or the underscore spelling.

    Leading and trailing whitespace is trimmed, as the Actions toolkit does.
    """
    upper = name.replace(" ", "_").upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        if key in env:
            return env[key].strip()
    return None


PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


def _dig(payload: Mapping[str, Any], *keys: str) -> Any:
    node: Any = payload
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def target_sha(event_name: str, event_payload: Mapping[str, Any], github_sha: str) -> str:
    """The commit that check runs and statuses belong on.

    ``pull_request``: the PR head (``GITHUB_SHA`` is a test-merge commit no one sees);
    ``workflow_run``: the triggering run's head; otherwise ``GITHUB_SHA``.
    """
    if event_name in PULL_REQUEST_EVENTS:
        sha = _dig(event_payload, "pull_request", "head", "sha")
    elif event_name == "workflow_run":
        sha = _dig(event_payload, "workflow_run", "head_sha")
    else:
        sha = github_sha
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
        raise InputError(
            f"no commit SHA for the {event_name or 'unknown'} event (got {str(sha)[:80]!r})",
            fix="run on pull_request, push or workflow_run, or set GITHUB_SHA",
        )
    return sha


def pull_request_number(event_name: str, event_payload: Mapping[str, Any]) -> int | None:
    """The PR number of a ``pull_request`` event (other events: None; see artifacts.find_pr)."""
    if event_name not in PULL_REQUEST_EVENTS:
        return None
    number = _dig(event_payload, "pull_request", "number")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def is_fork_pull_request(event_name: str, event_payload: Mapping[str, Any]) -> bool:
    """True for a pull request from another repository (its head repo is not the base repo).

    A deleted fork leaves ``head.repo`` null: still a fork.
    """
    if event_name not in PULL_REQUEST_EVENTS:
        return False
    head = _dig(event_payload, "pull_request", "head", "repo", "full_name")
    base = _dig(event_payload, "pull_request", "base", "repo", "full_name")
    if not isinstance(base, str):
        return False
    return not isinstance(head, str) or head.lower() != base.lower()


def token_is_read_only(run: RunEnv) -> bool:
    """Whether GitHub gives this run a read-only token: fork PRs and Dependabot's PRs.

    (``pull_request_target`` runs in the base repository with a write token.)
    """
    if run.event_name != "pull_request":
        return False
    return is_fork_pull_request(run.event_name, run.event) or run.actor == "dependabot[bot]"
