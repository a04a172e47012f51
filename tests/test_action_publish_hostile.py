"""``mode: publish`` with a forged artifact (issue 12, item 4): a verdict that is valid but has an
attack in every string is published safely end to end; an invalid verdict, an oversized one and
an artifact without ``verdict.json`` are clear errors (exit 2), never a crash or a publication."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from slo_gate.cli import main
from slo_gate.errors import InputError
from slo_gate.github import artifacts
from slo_gate.github.artifacts import ArtifactFiles, read_verdict
from tests.github.test_artifacts import HEAD, make_zip
from tests.github.test_publish import body_of
from tests.hostile import BASE, BIDI, hostile_json, markdown_findings, runner_commands
from tests.test_action_publish import NOW, _api, _env

OURS = {"add-mask", "error", "warning", "notice", "group", "endgroup", "stop-commands", "resume"}


def _publish(rsps: responses.RequestsMock, tmp: Path, files: dict[str, bytes]) -> tuple[int, str]:
    _api(rsps, b"")
    # the artifact's content for this test, registered after (and so instead of) _api's
    rsps.replace(
        responses.GET,
        "https://results-receiver.actions.example.net/artifact.zip",
        body=make_zip(files),
    )
    out = io.StringIO()
    err = io.StringIO()
    code = main(["action"], env=_env(tmp), out=out, err=err, clock=lambda: NOW)
    assert err.getvalue() == ""
    return code, out.getvalue()


def _sent(rsps: responses.RequestsMock, path: str) -> list[dict[str, Any]]:
    return [
        body_of(c.request)
        for c in rsps.calls
        if path in (c.request.url or "") and c.request.method in ("POST", "PATCH")
    ]


def test_a_forged_valid_verdict_is_published_with_every_string_escaped(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    code, log = _publish(rsps, tmp_path, {"verdict.json": hostile_json()})
    assert code == 0, log
    # the log: only the commands slo-gate wrote, each annotation with slo-gate's title property
    commands = runner_commands(log)
    assert set(commands) <= OURS and "error" in commands
    for line in log.splitlines():
        if line.startswith(("::error", "::warning", "::notice")):
            assert " title=" in line.split("::", 2)[1], line
    assert not any(ch in log for ch in BIDI)
    # the report is in the log, in a group, inside stop-commands, with the forged text as text
    assert "::group::slo-gate report" in log and "::error::forged" in log
    assert commands.count("stop-commands") == commands.count("resume") >= 1
    # the job summary, the check run and the comment: Markdown that data cannot restructure
    summary = (tmp_path / "summary.md").read_text("utf-8")
    assert markdown_findings(summary) == []
    assert "@\u200boctocat" in summary and "&lt;img src=x" in summary  # shown, as text
    [check_run] = _sent(rsps, "/check-runs")
    assert markdown_findings(check_run["output"]["summary"]) == []
    for annotation in check_run["output"]["annotations"]:
        text = json.dumps(annotation, ensure_ascii=False)
        assert not any(ch in text for ch in BIDI) and "\\n" not in annotation.get("title", "")
    [comment] = _sent(rsps, "/issues/42/comments")
    marker, body = comment["body"].split("\n", 1)
    assert marker.startswith("<!-- slo-gate:comment key=default hash=")
    assert markdown_findings(body) == []
    [status] = _sent(rsps, f"/statuses/{HEAD}")
    assert not any(ch in status["description"] for ch in BIDI)
    assert "\n" not in status["description"]


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"verdict.json": b'{"decision": "maybe"}'}, "is not a valid slo-gate verdict"),
        ({"verdict.json": b"{not json"}, "is not a valid slo-gate verdict"),
        ({"verdict.json": b"\xff\xfe"}, "is not a valid slo-gate verdict"),
        ({"verdict.json": b"[" * 100_000}, "is not a valid slo-gate verdict"),
        (
            {"verdict.json": json.dumps({**BASE, "schema_version": 2}).encode()},
            "schema_version",
        ),
        ({"summary.md": b"# a summary"}, "holds no verdict.json (it holds summary.md)"),
    ],
    ids=["wrong-type", "not-json", "not-utf8", "deep", "other-schema", "no-verdict"],
)
def test_a_bad_artifact_is_a_clear_error_and_publishes_nothing(
    rsps: responses.RequestsMock, tmp_path: Path, files: dict[str, bytes], says: str
) -> None:
    code, log = _publish(rsps, tmp_path, files)
    assert code == 2
    errors = [line for line in log.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and says in errors[0], log
    assert "fix%3A" not in errors[0] and "fix: upload the file" in errors[0]
    assert _sent(rsps, "/check-runs") == [] and _sent(rsps, "/issues/42/comments") == []
    assert _sent(rsps, "/statuses/") == []


def test_a_verdict_over_the_size_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.dumps(BASE).encode()
    files = ArtifactFiles(9, "slo-gate-verdict", {"verdict.json": raw})
    assert read_verdict(files, 555).decision == "fail"
    monkeypatch.setattr(artifacts, "MAX_VERDICT_BYTES", len(raw) - 1)
    with pytest.raises(InputError, match=f"is {len(raw):,} bytes"):
        read_verdict(files, 555)


def test_validation_errors_do_not_echo_the_forged_input() -> None:
    forged = json.dumps({**BASE, "decision": "\n::error::x <img>"}).encode()
    with pytest.raises(InputError) as caught:
        read_verdict(ArtifactFiles(9, "a", {"verdict.json": forged}), 1)
    assert "::error::x" not in caught.value.message and "<img>" not in caught.value.message
    assert "decision:" in caught.value.message
