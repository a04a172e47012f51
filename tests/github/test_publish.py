"""Publishers against the REST API simulated with ``responses``: the exact requests are asserted.

``FakeIssue`` keeps the PR's comments between calls so that two runs can be compared: the second
run must update slo-gate's comment in place, never add a second one, and must leave a comment
by someone else alone even when that comment starts with a perfect copy of the marker.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from github import Auth, Github
from requests import PreparedRequest

from slo_gate.config.inputs import (
    ActionInputs,
    pull_request_number,
    target_sha,
    token_is_read_only,
)
from slo_gate.errors import GitHubError
from slo_gate.gha import GhaWriter, verdict_outputs
from slo_gate.github.check_run import CHECK_TEXT_LIMIT, check_conclusion, publish_check_run
from slo_gate.github.comment import (
    ACTIONS_BOT,
    comment_marker,
    parse_marker,
    resolve_identity,
    upsert_comment,
    verdict_fingerprint,
)
from slo_gate.github.publish import PublishSettings, PublishTarget, Rendered, publish_verdict
from slo_gate.github.status import publish_release_status, read_pr_labels, release_status
from slo_gate.measurements import Annotation
from slo_gate.runenv import RunEnv
from slo_gate.verdict import Release, Slo, Status, Verdict
from tests.github.helpers import API, make_repo

REPO = f"{API}/repos/acme/widgets"
# PyGithub sends the default port explicitly; responses matches the URL as sent
WIRE = "https://api.github.com:443/repos/acme/widgets"
HEAD = "a" * 40
MERGE = "b" * 40


def body_of(request: PreparedRequest) -> dict[str, Any]:
    raw = request.body
    assert raw is not None
    data = json.loads(raw if isinstance(raw, str | bytes) else b"")
    assert isinstance(data, dict)
    return data


def calls(mock: responses.RequestsMock) -> list[str]:
    """Method, path and sorted query of every request, in order."""
    out = []
    for call in mock.calls:
        assert call.request.url is not None
        url = urlparse(call.request.url)
        query = "&".join(sorted(url.query.split("&"))) if url.query else ""
        out.append(f"{call.request.method} {url.path}" + (f"?{query}" if query else ""))
    return out


def verdict(decision: str = "fail", state: str = "open", reason: str = "", **kw: Any) -> Verdict:
    data: dict[str, Any] = {
        "decision": decision,
        "release": Release.model_validate({"state": state, "reason": reason}),
        "evaluated_at": datetime(2026, 11, 1, tzinfo=UTC),
        "commit": HEAD,
        "slos": [
            Slo(id="widget-bundle-size", status="fail", value=251_000, unit="B", target=250_000)
        ],
    }
    data.update(kw)
    return Verdict.model_validate(data)


def make_annotations(n: int) -> list[Annotation]:
    return [
        Annotation(
            path=f"./tests/t{i}.spec.ts",
            start_line=i + 1,
            end_line=i + 1,
            level="failure",
            title=f"test {i}",
            message=f"expected {i}",
        )
        for i in range(n)
    ]


# ----------------------------------------------------------------------------- decisions


@pytest.mark.parametrize(
    ("decision", "warn_slo", "expected"),
    [
        ("pass", False, "success"),
        ("warn", True, "neutral"),
        ("fail", False, "failure"),
        ("pause", False, "success"),
        ("pause", True, "neutral"),
        ("rollback", False, "neutral"),
    ],
)
def test_check_conclusion_follows_design(decision: str, warn_slo: bool, expected: str) -> None:
    status: Status = "warn" if warn_slo else "pass"
    slos = [Slo(id="tests", status=status, value=0, unit="tests", target=0)]
    assert check_conclusion(verdict(decision, slos=slos)) == expected


def test_release_status_follows_the_budgets_alone() -> None:
    assert release_status(verdict("fail"))[0] == "success"
    state, text = release_status(verdict("pause", "paused", "mcp-availability 80% consumed"))
    assert (state, text) == ("failure", "releases paused: mcp-availability 80% consumed")
    assert release_status(verdict("rollback", "rollback", "budget gone"))[0] == "failure"


# ----------------------------------------------------------------------------- check run


def _check_run_callbacks(mock: responses.RequestsMock) -> None:
    run = {"id": 7, "url": f"{REPO}/check-runs/7", "html_url": "https://github.com/c/7"}
    mock.add(responses.POST, f"{WIRE}/check-runs", json=run, status=201)
    mock.add(responses.PATCH, f"{WIRE}/check-runs/7", json=run)


def test_120_annotations_go_in_chunks_of_50(rsps: responses.RequestsMock) -> None:
    _check_run_callbacks(rsps)
    result = publish_check_run(
        make_repo(),
        name="SLO gate",
        head_sha=HEAD,
        conclusion="failure",
        title="fail: 3 tests failed",
        summary="## summary",
        annotations=make_annotations(120),
        details_url="https://github.com/acme/widgets/actions/runs/1",
    )
    assert calls(rsps) == [
        "POST /repos/acme/widgets/check-runs",
        "PATCH /repos/acme/widgets/check-runs/7",
        "PATCH /repos/acme/widgets/check-runs/7",
    ]
    first, middle, last = (body_of(c.request) for c in rsps.calls)
    assert first["status"] == "in_progress" and "conclusion" not in first
    assert first["head_sha"] == HEAD and first["name"] == "SLO gate"
    assert first["details_url"] == "https://github.com/acme/widgets/actions/runs/1"
    assert [len(b["output"]["annotations"]) for b in (first, middle, last)] == [50, 50, 20]
    assert first["output"]["annotations"][0] == {
        "path": "tests/t0.spec.ts",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "failure",
        "message": "expected 0",
        "title": "test 0",
    }
    assert middle["output"]["annotations"][0]["start_line"] == 51
    assert "status" not in middle
    assert last["status"] == "completed" and last["conclusion"] == "failure"
    assert last["output"]["annotations"][-1]["start_line"] == 120
    assert all(b["output"]["summary"] == "## summary" for b in (first, middle, last))
    assert (result.annotations, result.requests, result.id) == (120, 3, 7)


def test_50_or_fewer_annotations_is_one_completed_request(rsps: responses.RequestsMock) -> None:
    _check_run_callbacks(rsps)
    publish_check_run(
        make_repo(),
        name="SLO gate",
        head_sha=HEAD,
        conclusion="success",
        title="pass",
        summary="ok",
        annotations=make_annotations(50),
    )
    assert calls(rsps) == ["POST /repos/acme/widgets/check-runs"]
    sent = body_of(rsps.calls[0].request)
    assert sent["status"] == "completed" and sent["conclusion"] == "success"
    assert len(sent["output"]["annotations"]) == 50


def test_summary_is_cut_to_the_limit_gracefully(rsps: responses.RequestsMock) -> None:
    _check_run_callbacks(rsps)
    big = "| widget | size |\n| --- | --- |\n" + "| w-é | 1 B |\n" * 10_000
    result = publish_check_run(
        make_repo(),
        name="SLO gate",
        head_sha=HEAD,
        conclusion="neutral",
        title="warn " * 100,
        summary=big,
        text=big,
    )
    output = body_of(rsps.calls[0].request)["output"]
    summary = output["summary"]
    assert len(summary.encode("utf-8")) <= CHECK_TEXT_LIMIT
    assert summary.startswith("| widget | size |\n| --- | --- |\n| w-é | 1 B |")
    assert summary.rstrip().endswith("the verdict file.")
    assert "| w-é | 1 B |\n\n> [!NOTE]" in summary  # cut between rows, not inside one
    assert len(output["text"].encode("utf-8")) <= CHECK_TEXT_LIMIT
    assert len(output["title"]) <= 255
    assert result.summary_truncated is True


def test_check_run_refused_is_a_named_github_error(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.POST,
        f"{WIRE}/check-runs",
        json={"message": "Resource not accessible by integration"},
        status=403,
    )
    with pytest.raises(GitHubError) as caught:
        publish_check_run(
            make_repo(), name="x", head_sha=HEAD, conclusion="success", title="t", summary="s"
        )
    assert "check run" in caught.value.message
    assert "ghs_test_token" not in caught.value.render()


# ----------------------------------------------------------------------------- comment


class FakeIssue:
    """Issue comments of PR #42 with pagination, creation and edits, kept between runs."""

    def __init__(self, mock: responses.RequestsMock, others: int = 130) -> None:
        self.comments: list[dict[str, Any]] = []
        self.next_id = 1000
        spoof = comment_marker("", "0" * 16) + "\nI am not slo-gate"
        self.add("mallory", spoof)  # a perfect marker, wrong author
        for i in range(others):
            self.add("alice", f"comment {i}")
        base = f"{WIRE}/issues/42/comments"
        mock.add_callback(responses.GET, base, callback=self.page)
        mock.add_callback(responses.POST, base, callback=self.create)
        mock.add_callback(
            responses.PATCH, re.compile(rf"{WIRE}/issues/comments/\d+"), callback=self.edit
        )

    def add(self, login: str, body: str) -> dict[str, Any]:
        self.next_id += 1
        comment = {
            "id": self.next_id,
            "body": body,
            "user": {"login": login, "type": "Bot" if "[bot]" in login else "User"},
            "url": f"{REPO}/issues/comments/{self.next_id}",
            "html_url": f"https://github.com/acme/widgets/pull/42#issuecomment-{self.next_id}",
        }
        self.comments.append(comment)
        return comment

    def page(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.url is not None
        query = parse_qs(urlparse(request.url).query)
        page = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["30"])[0])
        chunk = self.comments[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(self.comments):
            nxt = f"{REPO}/issues/42/comments?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return 200, headers, json.dumps(chunk)

    def create(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 201, {}, json.dumps(self.add(ACTIONS_BOT, body_of(request)["body"]))

    def edit(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.url is not None
        cid = int(request.url.rsplit("/", 1)[1])
        comment = next(c for c in self.comments if c["id"] == cid)
        comment["body"] = body_of(request)["body"]
        return 200, {}, json.dumps(comment)

    def ours(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["user"]["login"] == ACTIONS_BOT]


def test_one_comment_created_then_updated_in_place(rsps: responses.RequestsMock) -> None:
    issue = FakeIssue(rsps)
    repo = make_repo()
    first = upsert_comment(repo, 42, "## run 1", identity=ACTIONS_BOT, fingerprint="ab" * 8)
    assert first.action == "created"
    assert calls(rsps) == [
        "GET /repos/acme/widgets/issues/42/comments?per_page=100",
        "GET /repos/acme/widgets/issues/42/comments?page=2&per_page=100",
        "POST /repos/acme/widgets/issues/42/comments",
    ]
    rsps.calls.reset()
    second = upsert_comment(repo, 42, "## run 2", identity=ACTIONS_BOT, fingerprint="cd" * 8)
    assert second.action == "updated" and second.comment_id == first.comment_id
    assert calls(rsps)[-1] == f"PATCH /repos/acme/widgets/issues/comments/{first.comment_id}"
    assert "POST /repos/acme/widgets/issues/42/comments" not in calls(rsps)
    ours = issue.ours()
    assert len(ours) == 1
    assert ours[0]["body"] == comment_marker("", "cd" * 8) + "\n## run 2"
    # the spoofed marker in mallory's comment was neither edited nor taken for ours
    assert issue.comments[0]["body"].endswith("I am not slo-gate")


def test_changed_mode_skips_an_identical_verdict(rsps: responses.RequestsMock) -> None:
    issue = FakeIssue(rsps, others=3)
    repo = make_repo()
    upsert_comment(repo, 42, "x", identity=ACTIONS_BOT, fingerprint="ab" * 8, mode="changed")
    rsps.calls.reset()
    again = upsert_comment(
        repo, 42, "y", identity=ACTIONS_BOT, fingerprint="ab" * 8, mode="changed"
    )
    assert again.action == "unchanged"
    assert calls(rsps) == ["GET /repos/acme/widgets/issues/42/comments?per_page=100"]
    assert issue.ours()[0]["body"].endswith("\nx")


def test_comment_keys_keep_matrix_jobs_apart(rsps: responses.RequestsMock) -> None:
    issue = FakeIssue(rsps, others=0)
    repo = make_repo()
    upsert_comment(repo, 42, "web", identity=ACTIONS_BOT, key="web")
    upsert_comment(repo, 42, "api", identity=ACTIONS_BOT, key="api")
    upsert_comment(repo, 42, "web 2", identity=ACTIONS_BOT, key="web")
    bodies = sorted(c["body"] for c in issue.ours())
    assert bodies == [comment_marker("api") + "\napi", comment_marker("web") + "\nweb 2"]


def test_comment_off_makes_no_request(rsps: responses.RequestsMock) -> None:
    assert upsert_comment(make_repo(), 42, "x", identity=ACTIONS_BOT, mode="off").action == "off"
    assert calls(rsps) == []


def test_long_comment_is_cut_to_65536_characters(rsps: responses.RequestsMock) -> None:
    issue = FakeIssue(rsps, others=0)
    result = upsert_comment(make_repo(), 42, "🚀 row\n" * 20_000, identity=ACTIONS_BOT)
    body = issue.ours()[0]["body"]
    assert len(body) <= 65_536 and len(body.encode()) <= 65_536
    assert result.truncated is True
    assert parse_marker(body) == ("default", "")


def test_marker_only_counts_on_the_first_line() -> None:
    marker = comment_marker("web", "ab" * 8)
    assert parse_marker(marker + "\nbody") == ("web", "ab" * 8)
    assert parse_marker("quote:\n" + marker) is None
    assert parse_marker("> " + marker) is None
    with pytest.raises(ValueError, match="comment key"):
        comment_marker("x -->")


def test_fingerprint_ignores_time_and_commit() -> None:
    a = verdict()
    b = verdict(evaluated_at=datetime(2027, 1, 1, tzinfo=UTC), commit="f" * 40)
    assert verdict_fingerprint(a) == verdict_fingerprint(b)
    assert verdict_fingerprint(a) != verdict_fingerprint(verdict("pass"))


# ----------------------------------------------------------------------------- identity


def test_identity_for_a_personal_token(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.GET,
        "https://api.github.com:443/user",
        json={"login": "octocat", "url": f"{API}/user"},
    )
    gh = Github(auth=Auth.Token("t"), base_url=API, retry=None, lazy=True)
    assert resolve_identity(gh) == "octocat"


def test_identity_for_the_actions_token(rsps: responses.RequestsMock) -> None:
    rsps.add(
        responses.GET,
        "https://api.github.com:443/user",
        json={"message": "Resource not accessible by integration"},
        status=403,
    )
    gh = Github(auth=Auth.Token("t"), base_url=API, retry=None, lazy=True)
    assert resolve_identity(gh) == "github-actions[bot]"


# ----------------------------------------------------------------------------- status


def test_status_description_is_short_and_has_no_4_byte_unicode(
    rsps: responses.RequestsMock,
) -> None:
    rsps.add(responses.POST, f"{WIRE}/statuses/{HEAD}", json={"id": 1}, status=201)
    reason = "mcp-availability 🚨 budget exhausted: " + "99.41% over 30 d, " * 20
    v = verdict("rollback", "rollback", reason)
    state, description = release_status(v)
    publish_release_status(
        make_repo(),
        HEAD,
        state=state,
        description=description + " 🚀",
        target_url="https://github.com/acme/widgets/actions/runs/1",
    )
    assert calls(rsps) == [f"POST /repos/acme/widgets/statuses/{HEAD}"]
    sent = body_of(rsps.calls[0].request)
    assert sent["state"] == "failure"
    assert sent["context"] == "slo-gate/release"
    assert len(sent["description"]) <= 140
    assert all(ord(c) <= 0xFFFF for c in sent["description"])
    assert sent["description"].startswith("rollback: mcp-availability \ufffd budget exhausted")
    assert sent["target_url"] == "https://github.com/acme/widgets/actions/runs/1"


# ----------------------------------------------------------------------------- labels


def _labels(rsps: responses.RequestsMock, names: list[str]) -> None:
    rsps.add(
        responses.GET,
        f"{WIRE}/issues/42/labels",
        json=[{"name": n, "url": f"{REPO}/labels/{n}"} for n in names],
    )


def test_labels_are_read_from_the_api_with_who_and_when(rsps: responses.RequestsMock) -> None:
    _labels(rsps, ["slo-gate/accept-increase", "bug"])

    def event(kind: str, label: str, who: str, when: str) -> dict[str, Any]:
        return {
            "id": abs(hash((kind, label, who, when))),
            "event": kind,
            "label": {"name": label},
            "actor": {"login": who},
            "created_at": when,
        }

    rsps.add(
        responses.GET,
        f"{WIRE}/issues/42/events",
        json=[
            {"id": 1, "event": "committed", "actor": None, "created_at": "2026-10-01T00:00:00Z"},
            event("labeled", "slo-gate/accept-increase", "alice", "2026-10-02T10:00:00Z"),
            event("unlabeled", "slo-gate/accept-increase", "alice", "2026-10-02T11:00:00Z"),
            event("labeled", "slo-gate/accept-increase", "bob", "2026-10-03T09:30:00Z"),
            event("labeled", "bug", "carol", "2026-10-03T09:31:00Z"),
        ],
    )
    labels = read_pr_labels(make_repo(), 42, audit={"slo-gate/accept-increase"})
    assert [label.name for label in labels] == ["slo-gate/accept-increase", "bug"]
    assert labels[0].applied_by == "bob"
    assert labels[0].applied_at == datetime(2026, 10, 3, 9, 30, tzinfo=UTC)
    assert labels[1].applied_by is None  # not audited: no events needed for it
    assert calls(rsps) == [
        "GET /repos/acme/widgets/issues/42/labels?per_page=100",
        "GET /repos/acme/widgets/issues/42/events?per_page=100",
    ]


def test_no_events_read_without_an_audited_label(rsps: responses.RequestsMock) -> None:
    _labels(rsps, ["bug"])
    assert read_pr_labels(make_repo(), 42, audit={"slo-gate/accept-increase"})[0].name == "bug"
    assert calls(rsps) == ["GET /repos/acme/widgets/issues/42/labels?per_page=100"]


# ----------------------------------------------------------------------------- a whole PR run


def write_event(tmp_path: Path, head_repo: str) -> Path:
    event = {
        "action": "synchronize",
        "number": 42,
        "pull_request": {
            "number": 42,
            # the payload's labels are a snapshot: the run must not trust them
            "labels": [{"name": "slo-gate/accept-increase"}],
            "head": {"sha": HEAD, "ref": "feature", "repo": {"full_name": head_repo}},
            "base": {"sha": "d" * 40, "ref": "main", "repo": {"full_name": "acme/widgets"}},
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def pr_env(tmp_path: Path, event: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": API,
        "GITHUB_REPOSITORY": "acme/widgets",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": MERGE,
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_RUN_ID": "99",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "INPUT_GITHUB-TOKEN": "ghs_test_token",
        "INPUT_CHECK-NAME": "SLO gate (web)",
        "INPUT_COMMENT": "always",
        "INPUT_MODE": "pr",
    }


def run_action(env: dict[str, str], v: Verdict) -> tuple[GhaWriter, Any]:
    """What the CLI's `action` command does after evaluating, with this module's functions."""
    run = RunEnv.from_environ(env)
    inputs = ActionInputs.from_inputs(run.inputs)
    writer = GhaWriter(run, io.StringIO())
    writer.add_mask(inputs.token)
    target = PublishTarget(
        sha=target_sha(run.event_name, run.event, run.sha),
        pr_number=pull_request_number(run.event_name, run.event),
        read_only=token_is_read_only(run),
    )
    repo = make_repo()
    if not target.read_only and target.pr_number is not None:
        labels = read_pr_labels(repo, target.pr_number, audit={"slo-gate/accept-increase"})
        assert [label.name for label in labels] == ["bug"]  # the API, not the payload
    rendered = Rendered(
        title="fail: widget-bundle-size 251 KB > 250 KB",
        summary="## SLO gate\n" + "x" * 70_000,
        comment="## SLO gate\n| widget | gzip |\n| --- | --- |\n| a | 251 KB |",
        annotations=make_annotations(51),
    )
    report = publish_verdict(
        repo,
        v,
        rendered,
        target,
        PublishSettings(
            check_name=inputs.check_name,
            comment=inputs.comment,
            status_context=inputs.status_context or "slo-gate/release",
            details_url=run.run_url,
        ),
    )
    writer.set_outputs(verdict_outputs(v, rendered.summary))
    writer.append_summary(rendered.summary)
    return writer, report


def test_whole_pull_request_run_twice(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    env = pr_env(tmp_path, write_event(tmp_path, "acme/widgets"))
    issue = FakeIssue(rsps, others=101)
    _check_run_callbacks(rsps)
    _labels(rsps, ["bug"])
    rsps.add(responses.POST, f"{WIRE}/statuses/{HEAD}", json={"id": 1}, status=201)
    v = verdict("fail", "paused", "mcp-availability: 80 % of the error budget consumed 🔥")

    writer, report = run_action(env, v)
    expected = [
        "GET /repos/acme/widgets/issues/42/labels?per_page=100",
        "POST /repos/acme/widgets/check-runs",
        "PATCH /repos/acme/widgets/check-runs/7",
        "GET /repos/acme/widgets/issues/42/comments?per_page=100",
        "GET /repos/acme/widgets/issues/42/comments?page=2&per_page=100",
        "POST /repos/acme/widgets/issues/42/comments",
        f"POST /repos/acme/widgets/statuses/{HEAD}",
    ]
    assert calls(rsps) == expected
    create = body_of(rsps.calls[1].request)
    assert create["head_sha"] == HEAD  # the PR head, not the test-merge commit
    assert create["name"] == "SLO gate (web)"
    assert create["details_url"] == "https://github.com/acme/widgets/actions/runs/99"
    assert len(create["output"]["summary"].encode()) <= CHECK_TEXT_LIMIT
    finish = body_of(rsps.calls[2].request)
    assert finish["conclusion"] == "failure" and len(finish["output"]["annotations"]) == 1
    status = body_of(rsps.calls[6].request)
    assert status["state"] == "failure" and status["context"] == "slo-gate/release"
    assert status["description"].startswith("releases paused: mcp-availability")
    assert len(status["description"]) <= 140 and "🔥" not in status["description"]
    assert report.comment is not None and report.comment.action == "created"
    outputs = (tmp_path / "output").read_text(encoding="utf-8")
    assert "decision<<ghadelimiter_" in outputs
    assert writer.outputs["decision"] == "fail"
    assert writer.outputs["release-state"] == "paused"
    assert "::add-mask::ghs_test_token" in writer.stream.getvalue()  # type: ignore[attr-defined]

    rsps.calls.reset()
    run_action(env, v)
    second = calls(rsps)
    assert second[:5] == expected[:5]
    assert second[5] == f"PATCH /repos/acme/widgets/issues/comments/{report.comment.comment_id}"
    assert second[6] == f"POST /repos/acme/widgets/statuses/{HEAD}"
    assert len(issue.ours()) == 1
    assert issue.comments[0]["user"]["login"] == "mallory"
    assert issue.comments[0]["body"].endswith("I am not slo-gate")


def test_fork_pull_request_sends_nothing(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    env = pr_env(tmp_path, write_event(tmp_path, "mallory/widgets"))
    writer, report = run_action(env, verdict("pass"))
    assert calls(rsps) == []  # any request would have failed: none is registered
    assert report.check_run is None and report.skipped
    assert writer.outputs["decision"] == "pass"
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("## SLO gate")
