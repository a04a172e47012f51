"""The run environment: everything slo-gate takes from the process environment, read once.

``cli.main`` builds one ``RunEnv`` from the environment mapping it is given (``os.environ`` in
production, a dict in tests) and hands it down. Nothing else in ``slo_gate`` reads ``GITHUB_*``
variables (a test keeps it so); the rest of the program asks this object.

The event payload (``GITHUB_EVENT_PATH``) is read here, once, inside GitHub Actions
(``GITHUB_ACTIONS=true``); a file that cannot be read or is not a JSON object is an
``InputError`` that names the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slo_gate.errors import InputError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"

EVENT_PAYLOAD_LIMIT = 64 * 1024 * 1024
"""An event payload larger than this is not GitHub's: refuse rather than load it."""

#: RunEnv field -> the variable the runner sets
VARIABLES: dict[str, str] = {
    "event_name": "GITHUB_EVENT_NAME",
    "event_path": "GITHUB_EVENT_PATH",
    "sha": "GITHUB_SHA",
    "ref": "GITHUB_REF",
    "head_ref": "GITHUB_HEAD_REF",
    "base_ref": "GITHUB_BASE_REF",
    "run_id": "GITHUB_RUN_ID",
    "run_attempt": "GITHUB_RUN_ATTEMPT",
    "repository": "GITHUB_REPOSITORY",
    "api_url": "GITHUB_API_URL",
    "server_url": "GITHUB_SERVER_URL",
    "token": "GITHUB_TOKEN",
    "actor": "GITHUB_ACTOR",
    "workspace": "GITHUB_WORKSPACE",
    "output_file": "GITHUB_OUTPUT",
    "summary_file": "GITHUB_STEP_SUMMARY",
}
IN_ACTIONS = "GITHUB_ACTIONS"
INPUT_PREFIX = "INPUT_"


@dataclass(frozen=True)
class RunEnv:
    """Where and how this process runs; empty strings for what the environment does not say."""

    in_actions: bool = False
    event_name: str = ""
    event_path: str = ""
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    sha: str = ""
    ref: str = ""
    head_ref: str = ""
    base_ref: str = ""
    run_id: str = ""
    run_attempt: str = ""
    repository: str = ""
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    token: str = field(default="", repr=False)
    actor: str = ""
    workspace: str = ""
    output_file: str = ""
    summary_file: str = ""
    #: the raw ``INPUT_*`` variables (the Action's inputs), keys as the runner spells them
    inputs: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> RunEnv:
        """Read the environment once; inside Actions also the event payload file."""
        values = {name: env[var] for name, var in VARIABLES.items() if env.get(var)}
        in_actions = env.get(IN_ACTIONS) == "true"
        path = values.get("event_path", "")
        return cls(
            in_actions=in_actions,
            event=load_event_file(Path(path)) if in_actions and path else {},
            inputs={k: v for k, v in env.items() if k.startswith(INPUT_PREFIX)},
            **values,
        )

    @property
    def run_url(self) -> str:
        """Link to this workflow run (for ``details_url`` and status ``target_url``)."""
        if not (self.repository and self.run_id):
            return ""
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def run_number(self) -> int | None:
        """This workflow run's id as a number (None outside Actions or when malformed)."""
        return int(self.run_id) if self.run_id.isdigit() else None

    @property
    def attempt_number(self) -> int | None:
        return int(self.run_attempt) if self.run_attempt.isdigit() else None


def load_event_file(path: Path) -> dict[str, Any]:
    """Read an event payload file: a JSON object, at most ``EVENT_PAYLOAD_LIMIT`` bytes."""
    fix = "point GITHUB_EVENT_PATH at the runner's event.json"
    try:
        size = path.stat().st_size
        if size > EVENT_PAYLOAD_LIMIT:
            raise InputError(
                f"{path}: event payload is {size} bytes, more than GitHub ever sends", fix=fix
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read the event payload ({exc.strerror})", fix=fix
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise InputError(f"{where}: the event payload is not valid JSON ({exc})", fix=fix) from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the event payload is not a JSON object", fix=fix)
    return data
