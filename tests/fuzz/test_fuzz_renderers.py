"""Fuzz the renderers (issue 12, items 4 and 6): generated text in every string of a verdict
never forms a workflow command, Markdown structure, a live mention or a bidi control."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slo_gate.gha import GhaWriter
from slo_gate.render.annotations import verdict_annotations
from slo_gate.render.json_out import render_json
from slo_gate.render.markdown import render_markdown
from slo_gate.render.terminal import printed, render_terminal
from slo_gate.runenv import RunEnv
from slo_gate.verdict import Verdict
from tests.hostile import BIDI, hostile_verdict, markdown_findings, runner_commands

TOKEN = "f" * 32
PIECES = st.sampled_from(
    [
        "::",
        "::error",
        "::stop-commands::",
        "##[",
        "]",
        "\n",
        "\r",
        " ",
        "#",
        "|",
        "\\",
        "`",
        "<",
        ">",
        "!--",
        "@",
        "octocat",
        "[",
        "](",
        "https://x",
        ")",
        "*",
        "_",
        "%",
        "\x1b[",
        "\x9b",
        "\u2028",
        *BIDI,
    ]
)
RENDERERS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@RENDERERS
@given(st.lists(PIECES, min_size=1, max_size=12).map("".join))
def test_renderers_on_generated_text(payload: str) -> None:
    verdict = hostile_verdict(payload)
    assert markdown_findings(render_markdown(verdict)) == []
    assert runner_commands(printed(render_terminal(verdict), TOKEN)) == [
        "stop-commands",
        "resume",
    ]
    text = render_json(verdict)
    assert not any(ch in text for ch in BIDI)
    assert Verdict.model_validate_json(text) == verdict
    out = io.StringIO()
    gha = GhaWriter(RunEnv(), out, token=lambda: TOKEN)
    annotations = verdict_annotations(verdict, None)
    for a in annotations:
        gha.annotate("warning", a.message, title=a.title, file=a.path, line=a.start_line)
    assert runner_commands(out.getvalue()) == ["warning"] * len(annotations)
