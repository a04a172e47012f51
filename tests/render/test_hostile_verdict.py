"""One escaping rule for every output (issue 12, item 4): a forged verdict — every string the
schema accepts set to an attack — renders safely through every renderer and publisher."""

from __future__ import annotations

import io
import json
import re

import pytest

from slo_gate.errors import InputError, PolicyError
from slo_gate.gha import GhaWriter, verdict_outputs
from slo_gate.github.check_run import annotation_payload
from slo_gate.github.status import release_status
from slo_gate.render.annotations import verdict_annotations
from slo_gate.render.escape import html_text
from slo_gate.render.json_out import render_json
from slo_gate.render.markdown import render_markdown
from slo_gate.render.terminal import printed, render_terminal
from slo_gate.runenv import RunEnv
from slo_gate.slos import SLO_IDS
from slo_gate.verdict import Slo, Verdict
from tests.hostile import (
    ALL,
    BASE,
    BIDI,
    PAYLOADS,
    hostile_data,
    hostile_verdict,
    markdown_findings,
    runner_commands,
)

TOKEN = "0123456789abcdef0123456789abcdef"
CASES = {"all": ALL, **PAYLOADS}


def test_the_forged_verdict_carries_the_attack_in_every_free_string() -> None:
    data = json.dumps(hostile_data())
    # ids, statuses, levels and dates are Literal or typed: the rest is the forger's
    assert data.count(json.dumps(ALL)[1:-1]) >= 40
    v = hostile_verdict()
    assert v.bundles is not None and v.tests is not None
    assert v.bundles.compression.zlib_version == ALL and v.slos[0].unit == ALL
    assert v.slos[0].window == ALL and v.problems[0].code == ALL
    assert v.bundles.baseline is not None and v.bundles.baseline.how == ALL
    assert v.overrides[0].by == ALL and v.overrides[0].reason == ALL


def _no_bidi(text: str) -> None:
    assert not any(ch in text for ch in BIDI)


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_markdown_keeps_every_string_in_its_cell_or_line(payload: str) -> None:
    text = render_markdown(hostile_verdict(payload))
    assert markdown_findings(text) == []


def test_markdown_checker_catches_what_it_should() -> None:
    assert markdown_findings("x <img src=x>") != []
    assert markdown_findings("hi @octocat") != []
    assert markdown_findings("# heading") != []
    assert markdown_findings("| a | b |\n| --- | --- |\n| a|b | c |") != []
    assert markdown_findings("a\u202eb") != []
    assert markdown_findings("`<img>` and `@octocat` in code") == []


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_terminal_outside_actions_is_one_line_per_value_and_visible(payload: str) -> None:
    plain = render_terminal(hostile_verdict("x"))
    text = render_terminal(hostile_verdict(payload))
    _no_bidi(text)
    assert "\x1b" not in text and "\r" not in text and "\u200b" not in text
    # each value stays on its own line: as many lines as with a harmless value
    assert text.count("\n") == plain.count("\n")


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_terminal_inside_actions_obeys_no_command_and_alters_no_character(payload: str) -> None:
    report = render_terminal(hostile_verdict(payload))
    text = printed(report, TOKEN)
    assert runner_commands(text) == ["stop-commands", "resume"]
    lines = text.splitlines()
    assert lines[0] == f"::stop-commands::{TOKEN}" and lines[-1] == f"::{TOKEN}::"
    assert "\n".join(lines[1:-1]) + "\n" == report  # the report itself, unchanged


def test_without_the_wrapper_the_terminal_report_would_forge_commands() -> None:
    # the reason for the wrapper: the runner obeys lines that start with '::' ...
    assert runner_commands(render_terminal(hostile_verdict("::error::forged"))) != []
    # ... and, outside Actions, ids stay as typed (no zero-width space inside '::')
    assert "tests/test_cart.py::TestCart::test_total[2]" in render_terminal(
        Verdict.model_validate(BASE)
    )


def test_a_token_found_in_the_text_is_lengthened() -> None:
    text = printed(f"::{TOKEN}::\n::error::x\n", TOKEN)
    assert runner_commands(text) == ["stop-commands", "resume"]
    assert text.splitlines()[0] == f"::stop-commands::{TOKEN}x"


def test_forged_slo_ids_are_escaped_too() -> None:
    # ids are a Literal, so a validated verdict cannot carry one; rendering still escapes them
    v = Verdict.model_validate(BASE)
    forged = [Slo.model_construct(**{**s.__dict__, "id": ALL}) for s in v.slos]
    v = v.model_construct(**{**v.__dict__, "slos": forged})
    assert markdown_findings(render_markdown(v)) == []
    assert runner_commands(printed(render_terminal(v), TOKEN)) == ["stop-commands", "resume"]


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_json_is_the_same_data_with_bidi_and_c1_escaped(payload: str) -> None:
    v = hostile_verdict(payload + "\x9b")
    text = render_json(v)
    _no_bidi(text)
    assert "\x9b" not in text and "\x1b" not in text
    assert Verdict.model_validate_json(text) == v


def _gha(out: io.StringIO) -> GhaWriter:
    return GhaWriter(RunEnv(), out, token=lambda: TOKEN)


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_annotations_and_log_lines_forge_no_command(payload: str) -> None:
    v = hostile_verdict(payload)
    annotations = verdict_annotations(v, ".github/slo-gate.yml")
    assert len(annotations) >= 3
    out = io.StringIO()
    gha = _gha(out)
    for a in annotations:
        gha.annotate("error", a.message, title=a.title, file=a.path, line=a.start_line)
    gha.log(payload)
    commands = runner_commands(out.getvalue())
    # exactly what slo-gate wrote: one annotation each, and the log line's wrapper if needed
    assert [c for c in commands if c not in ("stop-commands", "resume")] == ["error"] * len(
        annotations
    )
    _no_bidi(out.getvalue())
    for a in annotations:
        sent = annotation_payload(a)
        _no_bidi(json.dumps(sent, ensure_ascii=False))
        assert "\n" not in str(sent["path"]) and "\n" not in str(sent.get("title", ""))


def test_step_outputs_and_status_description_are_clean() -> None:
    v = hostile_verdict()
    outputs = verdict_outputs(v, render_markdown(v))
    assert json.loads(outputs["verdict-json"])["problems"][0]["code"] == ALL
    for value in outputs.values():
        _no_bidi(value)
    assert set(outputs) >= {f"slo-{i}" for i in SLO_IDS}
    _, description = release_status(v)
    _no_bidi(description)
    assert "\n" not in description and len(description) <= 140


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_html_text_has_no_tag_and_no_bidi(payload: str) -> None:
    text = html_text(payload)
    assert "<" not in text and ">" not in text
    _no_bidi(text)
    assert re.search(r"@(?=[A-Za-z0-9_-])", text) is None


@pytest.mark.parametrize("payload", list(CASES.values()), ids=list(CASES))
def test_error_messages_on_stderr_forge_no_command(payload: str) -> None:
    errors = [
        InputError(f"history file {payload!s}: unreadable", fix=f"remove {payload}"),
        PolicyError(
            f"policy {payload}",
            details=[f".github/slo-gate.yml:3: unknown key '{payload}'", payload],
            fix=payload,
        ),
    ]
    for error in errors:
        text = error.render(TOKEN) + "\n"
        assert runner_commands(text) in ([], ["stop-commands", "resume"])
        assert text.startswith(("error: ", "::stop-commands::"))
        _no_bidi(text)
        assert "\x1b" not in text and "\r" not in text


def test_the_reported_stderr_attack_stays_on_the_error_line() -> None:
    text = InputError("unknown key 'a\n::error::pwned'").render()
    assert text == "error: unknown key 'a ::error::pwned'"
    assert runner_commands(text) == []
