"""All GitHub Actions workflow I/O: log commands, step outputs, the job summary, masks, groups.

Nothing else in slo-gate writes ``::command::`` lines or touches ``GITHUB_OUTPUT`` /
``GITHUB_STEP_SUMMARY``. The environment is an injected mapping and the log is an injected text
stream, so tests see exactly what the runner would see.

Why the care: the runner scans every line of a step's output for workflow commands
(``::name props::data``, after leading whitespace, and the legacy ``##[name]`` anywhere in a
line). Test names, failure messages and file names come from pull requests, forks included; if
one of them reached the log verbatim it could register a mask, stop command processing, forge an
annotation or (on old runners) set an output. So:

* command data is escaped (``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``) and properties also
  escape ``:`` and ``,``, which is how the runner unescapes them;
* plain log text that could look like a command is wrapped in ``::stop-commands::TOKEN`` with a
  fresh random token it cannot contain;
* outputs use ``name<<DELIMITER`` heredocs with a random delimiter, refused if the value holds it;
* annotation text has its bidirectional controls replaced, and plain log lines show control
  characters as ``?`` (``text.visible``), like the terminal report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from slo_gate.errors import InputError
from slo_gate.render.escape import truncate_markdown
from slo_gate.render.json_out import escape_json_text
from slo_gate.runenv import RunEnv
from slo_gate.slos import SLO_IDS
from slo_gate.text import neutralise_bidi, new_stop_token, stop_commands, utf8_len, visible
from slo_gate.verdict import Verdict

AnnotationLevel = Literal["error", "warning", "notice"]

STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub drops a step's whole summary above 1 MiB, so slo-gate keeps under it."""

OUTPUT_VALUE_LIMIT = 1024 * 1024
"""GitHub keeps at most 1 MB per output value (and 50 MB per workflow run)."""

ANNOTATIONS_SHOWN_PER_LEVEL = 10
"""The runner shows 10 error and 10 warning annotations per step; more are only log lines."""

_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COMMAND_LIKE = re.compile(r"^\s*::|##\[")
_SUMMARY_NOTE = (
    "> [!WARNING]\n> This summary was cut to fit GitHub's 1 MiB limit for a job summary. "
    "The complete report is in the verdict file (`json` / `markdown` inputs)."
)


def escape_data(value: str) -> str:
    """Escape command data the way the runner unescapes it (``%``, CR, LF)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a command property: data escaping plus ``:`` and ``,``, which end a property."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(
    command: str, data: str = "", properties: Mapping[str, object] | None = None
) -> str:
    """One workflow command line, ``::command k=v,k=v::data``, with everything escaped.

    ``command`` is ours (a constant), never user text; properties whose value is None are left
    out.
    """
    if not re.fullmatch(r"[a-z][a-z-]*", command):
        raise ValueError(f"not a workflow command name: {command!r}")
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (properties or {}).items()
        if value is not None and value != ""
    )
    head = f"::{command} {props}" if props else f"::{command}"
    return f"{head}::{escape_data(data)}"


@dataclass
class GhaWriter:
    """Writes workflow commands to ``stream`` and the step's files named by the run environment.

    ``token`` makes delimiters and stop-commands tokens (random by default, fixed in tests).
    Outside GitHub Actions (no ``GITHUB_ACTIONS=true``) outputs and the summary are kept in
    memory only, so the CLI works on a laptop.
    """

    run: RunEnv
    stream: TextIO
    token: Callable[[], str] = new_stop_token
    outputs: dict[str, str] = field(default_factory=dict)
    summary_written: int = 0
    shown: dict[AnnotationLevel, int] = field(
        default_factory=lambda: {"error": 0, "warning": 0, "notice": 0}
    )
    hidden: dict[AnnotationLevel, int] = field(
        default_factory=lambda: {"error": 0, "warning": 0, "notice": 0}
    )

    # ------------------------------------------------------------------ environment

    @property
    def in_actions(self) -> bool:
        """True inside a GitHub Actions step (the runner sets ``GITHUB_ACTIONS=true``)."""
        return self.run.in_actions

    def _file(self, path: str, variable: str) -> str | None:
        """The step file ``path`` (named by ``$variable``); refuses a missing one inside Actions."""
        if path:
            return path
        if self.in_actions:
            raise InputError(
                f"{variable} is not set although GITHUB_ACTIONS=true",
                fix=f"run slo-gate as a workflow step (the runner sets {variable}), or unset "
                "GITHUB_ACTIONS when running it elsewhere",
            )
        return None

    # ------------------------------------------------------------------ log lines

    def _emit(self, line: str) -> None:
        self.stream.write(line + "\n")

    def command(self, command: str, data: str = "", **properties: object) -> None:
        """Write one escaped workflow command (``::command props::data``)."""
        self._emit(format_command(command, data, properties))

    def log(self, text: str) -> None:
        """Write untrusted text as plain log lines that can never be read as a command.

        Text with a line that looks like a command is wrapped in ``::stop-commands::TOKEN`` …
        ``::TOKEN::`` with a fresh token that does not occur in the text.
        """
        lines = [visible(line) for line in text.splitlines()] or [""]
        if not any(_COMMAND_LIKE.search(line) for line in lines):
            for line in lines:
                self._emit(line)
            return
        token = self._fresh_token(text)
        self._emit(f"::stop-commands::{token}")
        for line in lines:
            self._emit(line)
        self._emit(f"::{token}::")

    def report(self, text: str, title: str = "slo-gate report") -> None:
        """Print a report made of untrusted text, characters unchanged.

        Inside GitHub Actions it is a collapsible group whose body is wrapped in
        ``::stop-commands::TOKEN`` … ``::TOKEN::`` (a fresh token absent from the text), so no
        line of it is obeyed as a workflow command; elsewhere it is printed as it is.
        """
        if not self.in_actions:
            self.stream.write(text if text.endswith("\n") else text + "\n")
            return
        with self.group(title):
            self.stream.write(stop_commands(text, self._fresh_token(text)))

    def _fresh_token(self, avoid: str) -> str:
        for _ in range(8):
            token = self.token()
            if not re.fullmatch(r"[A-Za-z0-9_-]{16,}", token):
                raise ValueError("a stop-commands token must be 16+ letters, digits, '-' or '_'")
            if token not in avoid:
                return token
        raise InputError(
            "could not find a stop-commands token absent from a log message",
            fix="this happens only with a fixed token source; use the default random one",
        )

    def annotate(
        self,
        level: AnnotationLevel,
        message: str,
        *,
        title: str | None = None,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        col: int | None = None,
        end_column: int | None = None,
    ) -> bool:
        """Write an ``::error``/``::warning``/``::notice`` annotation; False when beyond the cap.

        Past the 10 the runner shows per level, the message is written as a plain (safe) log
        line and counted in ``hidden`` so the caller can say how many more there are.
        """
        if self.shown[level] >= ANNOTATIONS_SHOWN_PER_LEVEL:
            self.hidden[level] += 1
            where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
            self.log(f"{level}: {where}{title + ': ' if title else ''}{message}")
            return False
        self.shown[level] += 1
        self.command(
            level,
            neutralise_bidi(message),
            title=neutralise_bidi(title) if title else title,
            file=file,
            line=line,
            endLine=end_line,
            col=col,
            endColumn=end_column,
        )
        return True

    def error(
        self,
        message: str,
        *,
        title: str | None = None,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
    ) -> bool:
        """An error annotation; see ``annotate``."""
        return self.annotate("error", message, title=title, file=file, line=line, end_line=end_line)

    def warning(
        self,
        message: str,
        *,
        title: str | None = None,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
    ) -> bool:
        """A warning annotation; see ``annotate``."""
        return self.annotate(
            "warning", message, title=title, file=file, line=line, end_line=end_line
        )

    def notice(
        self,
        message: str,
        *,
        title: str | None = None,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
    ) -> bool:
        """A notice annotation; see ``annotate``."""
        return self.annotate(
            "notice", message, title=title, file=file, line=line, end_line=end_line
        )

    def debug(self, message: str) -> None:
        """A debug line (shown when the workflow runs with debug logging)."""
        self.command("debug", message)

    def add_mask(self, secret: str) -> None:
        """Mask a secret in all later log output: the whole value and each of its lines."""
        if not secret.strip():
            return
        values = [secret] + [
            line for line in secret.splitlines() if line.strip() and line != secret
        ]
        for value in values:
            self.command("add-mask", value)

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible log group; closed even when the body raises."""
        self.command("group", title)
        try:
            yield
        finally:
            self.command("endgroup")

    # ------------------------------------------------------------------ step outputs

    def set_output(self, name: str, value: str) -> None:
        """Append ``name<<DELIM`` / value / ``DELIM`` to ``$GITHUB_OUTPUT``.

        The delimiter is random per value, so a value from a pull request cannot end the heredoc
        early and inject further outputs; a value that contains it anyway is refused.
        """
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"invalid step output name {name!r}")
        if utf8_len(value) > OUTPUT_VALUE_LIMIT:
            raise InputError(
                f"step output {name!r} is {utf8_len(value)} bytes, over GitHub's 1 MB limit",
                fix="shorten it before setting it (slo-gate's verdict_outputs() does)",
            )
        delimiter = f"ghadelimiter_{self.token()}"
        if delimiter in value:
            raise InputError(
                f"step output {name!r} contains its own heredoc delimiter",
                fix="this only happens with a fixed delimiter source; use the default random one",
            )
        self.outputs[name] = value
        path = self._file(self.run.output_file, "$GITHUB_OUTPUT")
        if path is None:
            return
        with Path(path).open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    def set_outputs(self, values: Mapping[str, str]) -> None:
        """Set several step outputs, in order."""
        for name, value in values.items():
            self.set_output(name, value)

    # ------------------------------------------------------------------ job summary

    def append_summary(self, markdown: str) -> bool:
        """Append Markdown to ``$GITHUB_STEP_SUMMARY``; True when it had to be cut.

        GitHub drops the whole summary of a step above 1 MiB, so the text is cut (byte-aware, at
        a line, code fences and ``<details>`` closed) with a note, counting what this step's
        summary file already holds.
        """
        path = self._file(self.run.summary_file, "$GITHUB_STEP_SUMMARY")
        existing = self.summary_written
        if path is not None and Path(path).exists():
            existing = Path(path).stat().st_size
        room = STEP_SUMMARY_LIMIT - existing
        text = markdown if markdown.endswith("\n") else markdown + "\n"
        cut = utf8_len(text) > room
        if cut:
            text = truncate_markdown(text, max(0, room), _SUMMARY_NOTE)
        self.summary_written = existing + utf8_len(text)
        if path is not None:
            with Path(path).open("a", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        return cut


# ---------------------------------------------------------------------------- verdict outputs

#: each SLO id has a ``slo-<id>`` step output declared in action.yml


VERDICT_JSON_LIMIT = 512 * 1024
SUMMARY_OUTPUT_LIMIT = 256 * 1024


def _format_value(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def compact_verdict_json(verdict: Verdict, limit: int = VERDICT_JSON_LIMIT) -> str:
    """The verdict as one-line JSON; above ``limit`` bytes, the core keys plus ``truncated``.

    Step outputs are capped by GitHub; a consumer always gets valid JSON with ``decision``,
    ``release``, ``slos`` and (the first 50) ``problems``.
    """
    full = escape_json_text(verdict.model_dump_json())
    if utf8_len(full) <= limit:
        return full
    data = json.loads(full)
    core = {
        key: data[key]
        for key in ("schema_version", "decision", "release", "mode", "commit", "slos")
    }
    core["problems"] = data.get("problems", [])[:50]
    core["reasons"] = data.get("reasons", [])
    core["truncated"] = True
    text = json.dumps(core, separators=(",", ":"))
    if utf8_len(text) > limit:
        text = json.dumps(
            {"schema_version": 1, "decision": data["decision"], "truncated": True},
            separators=(",", ":"),
        )
    return text


def verdict_outputs(verdict: Verdict, summary_markdown: str) -> dict[str, str]:
    """The step outputs declared in action.yml, as strings.

    ``rollback`` is ``true`` when the release state asks for one, so a rollback job can use
    ``if: needs.gate.outputs.rollback == 'true'``. Per-SLO values are plain numbers in the
    SLO's unit (empty when there is no data).
    """
    outputs = {
        "decision": verdict.decision,
        "release-state": verdict.release.state,
        "rollback": "true" if verdict.release.state == "rollback" else "false",
        "verdict-json": compact_verdict_json(verdict),
        "summary-markdown": truncate_markdown(
            summary_markdown,
            SUMMARY_OUTPUT_LIMIT,
            "… (cut to fit a step output; see the job summary)",
        ),
    }
    slos = verdict.slo_map
    for slo_id in SLO_IDS:
        slo = slos.get(slo_id)
        outputs[f"slo-{slo_id}"] = _format_value(slo.value if slo else None)
    return outputs
