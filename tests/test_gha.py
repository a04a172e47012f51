"""Workflow I/O: what the runner would read from slo-gate's log and files.

``runner_commands`` and ``runner_outputs`` model the Actions runner's parsers (ActionCommand
TryParseV2/TryParse, stop-commands, and the GITHUB_OUTPUT heredoc file command), so the tests
assert what the runner would *do*, not just which characters were written.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_gate.errors import InputError
from slo_gate.gha import (
    ANNOTATIONS_SHOWN_PER_LEVEL,
    STEP_SUMMARY_LIMIT,
    GhaWriter,
    compact_verdict_json,
    escape_data,
    escape_property,
    format_command,
    verdict_outputs,
)
from slo_gate.measurements import Problem
from slo_gate.runenv import RunEnv
from slo_gate.slos import SLO_IDS
from slo_gate.verdict import Release, Slo, Verdict

# ----------------------------------------------------------------------------- runner model


def _unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(value: str) -> str:
    return (
        value.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


Command = tuple[str, dict[str, str], str]


def runner_commands(log: str) -> list[Command]:
    """Every command the runner would act on, in order (stop-commands honoured)."""
    commands: list[Command] = []
    stopped_by: str | None = None
    # .NET's ReadLine splits on CR, LF and CRLF only (not on U+2028 and friends)
    for raw in re.split(r"\r\n|\r|\n", log):
        line = raw.lstrip()
        if stopped_by is not None:
            if line == f"::{stopped_by}::":
                commands.append(("resume", {}, stopped_by))
                stopped_by = None
            continue
        if line.startswith("::"):
            end = line.find("::", 2)
            if end < 0:
                continue
            head, data = line[2:end], line[end + 2 :]
            name, _, props_text = head.partition(" ")
            props: dict[str, str] = {}
            for pair in filter(None, props_text.split(",")):
                key, _, value = pair.partition("=")
                props[key] = _unescape_property(value)
            commands.append((name, props, _unescape_data(data)))
            if name == "stop-commands":
                stopped_by = data
        elif "##[" in line:  # legacy commands are recognised anywhere in a line
            commands.append(("legacy", {}, line[line.index("##[") :]))
    return commands


def runner_outputs(text: str) -> dict[str, str]:
    """The GITHUB_OUTPUT file command: ``name<<DELIM`` … ``DELIM``, or ``name=value``."""
    outputs: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        if "<<" in line:
            name, _, delimiter = line.partition("<<")
            body: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise AssertionError(f"unterminated heredoc {delimiter!r}")
            outputs[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def counter_tokens(prefix: str = "tok") -> Iterator[str]:
    for i in itertools.count():
        yield f"{prefix}{i:016d}"


def writer(env: dict[str, str] | None = None, tokens: Iterator[str] | None = None) -> GhaWriter:
    source = tokens or counter_tokens()
    return GhaWriter(RunEnv.from_environ(env or {}), io.StringIO(), token=lambda: next(source))


def log_of(w: GhaWriter) -> str:
    assert isinstance(w.stream, io.StringIO)
    return w.stream.getvalue()


HOSTILE = [
    "::add-mask::secret",
    "x\n::add-mask::secret",
    "x\r::stop-commands::abc",
    "%0A::set-output name=decision::pass",
    "a%0D%0A::error::forged",
    "##[set-output name=decision;]pass",
    "  ::warning file=x::y",
    "title: with, commas :: and colons",
    "emoji 🚀 and \u2028 separators",
    "%25%3A%2C",
]


# ----------------------------------------------------------------------------- escaping


def test_escape_data_and_property_by_hand() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("a:b,c") == "a:b,c"  # data keeps colons and commas


def test_format_command_exact_line() -> None:
    line = format_command("error", "line1\nline2", {"file": "src/a,b.ts", "line": 3, "col": None})
    assert line == "::error file=src/a%2Cb.ts,line=3::line1%0Aline2"


def test_format_command_refuses_a_made_up_name() -> None:
    with pytest.raises(ValueError, match="workflow command"):
        format_command("error::x")


@pytest.mark.parametrize("text", HOSTILE)
def test_annotation_round_trips_hostile_text_as_one_command(text: str) -> None:
    w = writer()
    w.error(text, title=text, file=text, line=7)
    assert runner_commands(log_of(w)) == [
        ("error", {"title": text, "file": text, "line": "7"}, text)
    ]
    assert log_of(w).count("\n") == 1 and "\r" not in log_of(w)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(":%,\r\n#[]aA0 \u2028e")), max_size=40))
def test_any_text_in_any_command_field_is_one_command(text: str) -> None:
    w = writer()
    w.warning(text, title=text, file=text)
    w.debug(text)
    with w.group(text):
        pass
    parsed = runner_commands(log_of(w))
    assert [c[0] for c in parsed] == ["warning", "debug", "group", "endgroup"]
    title = text if text else None
    assert parsed[0][1] == {k: v for k, v in {"title": title, "file": title}.items() if v}
    assert parsed[0][2] == text
    assert parsed[1][2] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_log_text_never_forms_a_command(text: str) -> None:
    w = writer()
    w.log(text)
    parsed = runner_commands(log_of(w))
    # either nothing is a command, or only the stop/resume pair slo-gate wrote itself
    assert [c[0] for c in parsed] in ([], ["stop-commands", "resume"])
    if parsed:
        assert parsed[0][2] == parsed[1][2] == "tok0000000000000000"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(":%,\r\n#[]a -")), max_size=60))
def test_plain_log_property(text: str) -> None:
    w = writer()
    w.log(text)
    assert [c[0] for c in runner_commands(log_of(w))] in ([], ["stop-commands", "resume"])


def test_stop_token_avoids_text_that_contains_it() -> None:
    tokens = iter(["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"])
    w = writer(tokens=tokens)
    w.log("::aaaaaaaaaaaaaaaa::\n::add-mask::x")
    parsed = runner_commands(log_of(w))
    assert parsed == [
        ("stop-commands", {}, "bbbbbbbbbbbbbbbb"),
        ("resume", {}, "bbbbbbbbbbbbbbbb"),
    ]


def test_stop_token_source_that_always_collides_is_refused() -> None:
    w = GhaWriter(RunEnv(), io.StringIO(), token=lambda: "aaaaaaaaaaaaaaaa")
    with pytest.raises(InputError, match="stop-commands token"):
        w.log("::aaaaaaaaaaaaaaaa::")


def test_add_mask_masks_value_and_each_line() -> None:
    w = writer()
    w.add_mask("line1\nline:2%")
    assert runner_commands(log_of(w)) == [
        ("add-mask", {}, "line1\nline:2%"),
        ("add-mask", {}, "line1"),
        ("add-mask", {}, "line:2%"),
    ]
    w2 = writer()
    w2.add_mask("   ")
    assert log_of(w2) == ""


def test_group_closes_when_the_body_raises() -> None:
    w = writer()
    with pytest.raises(RuntimeError), w.group("tests\n::add-mask::x"):
        raise RuntimeError("boom")
    assert runner_commands(log_of(w)) == [
        ("group", {}, "tests\n::add-mask::x"),
        ("endgroup", {}, ""),
    ]


def test_annotations_beyond_the_runner_cap_become_safe_log_lines() -> None:
    w = writer()
    shown = [w.error(f"e{i}", file="a.py", line=i + 1) for i in range(12)]
    assert shown == [True] * ANNOTATIONS_SHOWN_PER_LEVEL + [False, False]
    assert w.hidden["error"] == 2
    parsed = runner_commands(log_of(w))
    assert [c[0] for c in parsed] == ["error"] * 10
    assert log_of(w).splitlines()[-1] == "error: a.py:12: e11"
    w.error("x\n::add-mask::x", file="b.py")  # the 13th, hostile: wrapped, still no command
    assert [c[0] for c in runner_commands(log_of(w))][10:] == ["stop-commands", "resume"]


# ----------------------------------------------------------------------------- outputs


def test_outputs_use_random_heredoc_and_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out)}
    w = writer(env)
    hostile = "pass\ndecision=fail\nx<<EOF\nghadelimiter_tok\nEOF"
    w.set_output("decision", "warn")
    w.set_output("verdict-json", hostile)
    text = out.read_text(encoding="utf-8")
    assert text.startswith(
        "decision<<ghadelimiter_tok0000000000000000\nwarn\nghadelimiter_tok0000000000000000\n"
    )
    assert runner_outputs(text) == {"decision": "warn", "verdict-json": hostile}
    assert w.outputs == {"decision": "warn", "verdict-json": hostile}


def test_value_containing_the_delimiter_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "output"
    w = GhaWriter(RunEnv(output_file=str(out)), io.StringIO(), token=lambda: "f" * 32)
    with pytest.raises(InputError, match="heredoc delimiter"):
        w.set_output("x", "a\nghadelimiter_" + "f" * 32 + "\nevil<<x")
    assert not out.exists()


def test_output_name_is_checked() -> None:
    with pytest.raises(ValueError, match="output name"):
        writer().set_output("bad name\n", "x")


def test_missing_output_file_inside_actions_is_an_error() -> None:
    w = writer({"GITHUB_ACTIONS": "true"})
    with pytest.raises(InputError, match="GITHUB_OUTPUT"):
        w.set_output("decision", "pass")


def test_outside_actions_outputs_stay_in_memory() -> None:
    w = writer({})
    w.set_output("decision", "pass")
    assert w.outputs == {"decision": "pass"}


# ----------------------------------------------------------------------------- summary


def test_summary_appends(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    w = writer({"GITHUB_STEP_SUMMARY": str(path)})
    assert w.append_summary("# one") is False
    assert w.append_summary("two\n") is False
    assert path.read_text(encoding="utf-8") == "# one\ntwo\n"


def test_big_summary_is_cut_byte_aware_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * 1000 + b"\n")
    w = writer({"GITHUB_STEP_SUMMARY": str(path)})
    # 3-byte characters so a naive byte cut would split one; an open code fence at the cut
    body = "intro\n```text\n" + ("€€€€€€€€€€\n" * 40_000)
    assert w.append_summary(body) is True
    data = path.read_bytes()
    assert len(data) <= STEP_SUMMARY_LIMIT
    text = data.decode("utf-8")  # no split character
    assert "1 MiB limit" in text
    assert text.count("```") % 2 == 0  # the fence was closed before the note
    assert text.startswith("x" * 1000 + "\nintro\n")


def test_summary_when_already_full(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"y" * STEP_SUMMARY_LIMIT)
    w = writer({"GITHUB_STEP_SUMMARY": str(path)})
    assert w.append_summary("more") is True
    assert path.stat().st_size == STEP_SUMMARY_LIMIT


# ----------------------------------------------------------------------------- verdict outputs


def _verdict(**kw: object) -> Verdict:
    base: dict[str, object] = {
        "decision": "rollback",
        "release": Release(state="rollback", reason="mcp-availability budget exhausted"),
        "evaluated_at": datetime(2026, 11, 1, tzinfo=UTC),
        "slos": [
            Slo(id="widget-bundle-size", status="pass", value=243812, unit="B", target=250000),
            Slo(id="mcp-availability", status="fail", value=0.994, unit="ratio", target=0.995),
            Slo(id="ci-pass-rate", status="no-data", value=None, unit="ratio", target=0.95),
        ],
    }
    base.update(kw)
    return Verdict.model_validate(base)


def test_verdict_outputs() -> None:
    outputs = verdict_outputs(_verdict(), "## SLO gate\n")
    assert outputs["decision"] == "rollback"
    assert outputs["release-state"] == "rollback"
    assert outputs["rollback"] == "true"
    assert outputs["summary-markdown"] == "## SLO gate\n"
    assert outputs["slo-widget-bundle-size"] == "243812"
    assert outputs["slo-mcp-availability"] == "0.994"
    assert outputs["slo-ci-pass-rate"] == ""
    assert outputs["slo-tests"] == ""
    assert set(outputs) == {
        "decision",
        "release-state",
        "rollback",
        "verdict-json",
        "summary-markdown",
        *(f"slo-{i}" for i in SLO_IDS),
    }
    assert Verdict.model_validate_json(outputs["verdict-json"]) == _verdict()


def test_huge_verdict_json_keeps_the_core_keys() -> None:
    problems = [Problem(code="p", message="m" * 1000) for _ in range(600)]
    text = compact_verdict_json(_verdict(problems=problems), limit=200_000)
    assert len(text.encode()) <= 200_000
    data = json.loads(text)
    assert data["truncated"] is True
    assert data["decision"] == "rollback"
    assert len(data["problems"]) == 50
    assert [s["id"] for s in data["slos"]] == [
        "widget-bundle-size",
        "mcp-availability",
        "ci-pass-rate",
    ]


def test_a_report_is_printed_in_a_group_inside_stop_commands_only_in_actions() -> None:
    report = "::error::forged\nx ##[warning]y\n"
    out = io.StringIO()
    GhaWriter(RunEnv(in_actions=True), out, token=lambda: "t" * 32).report(report)
    assert out.getvalue() == (
        f"::group::slo-gate report\n::stop-commands::{'t' * 32}\n{report}::{'t' * 32}::\n"
        "::endgroup::\n"
    )
    names = [name for name, _, _ in runner_commands(out.getvalue())]
    assert names == ["group", "stop-commands", "resume", "endgroup"]
    plain = io.StringIO()
    GhaWriter(RunEnv(), plain).report(report)
    assert plain.getvalue() == report
