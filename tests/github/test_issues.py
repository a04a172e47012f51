"""Report and alert issues against the REST API simulated with ``responses``.

``FakeIssues`` keeps issues and comments between calls and answers the listing filters slo-gate
uses (``state``, ``labels``, ``since``), so a sequence of runs can be checked: the report issue
is created then updated in place; an alert issue is opened, updated while firing, and closed
with a comment when it clears; an issue by someone else with a perfect marker is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from requests import PreparedRequest

from slo_gate.errors import GitHubError
from slo_gate.github.issues import (
    ALERT_LABEL,
    alert_marker,
    parse_alert_marker,
    parse_report_marker,
    publish_report_issue,
    read_incident_issues,
    report_marker,
    sync_alert_issues,
)
from slo_gate.report.periods import month_period, window_period
from slo_gate.report_model import Alert
from tests.github.helpers import make_repo

WIRE = "https://api.github.com:443/repos/acme/widgets"
BOT = "github-actions[bot]"
NOV = datetime(2026, 11, 1, tzinfo=UTC)


class FakeIssues:
    """Issues and comments of one repository, served through ``responses`` callbacks."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.writes: list[str] = []
        self.next = 1
        self.me = BOT
        base = re.escape(WIRE)
        mock.add_callback(responses.GET, re.compile(base + r"/issues(\?.*)?$"), self.list)
        mock.add_callback(responses.POST, re.compile(base + r"/issues$"), self.create)
        mock.add_callback(responses.PATCH, re.compile(base + r"/issues/\d+$"), self.edit)
        mock.add_callback(responses.GET, re.compile(base + r"/issues/\d+/comments.*"), self.read)
        mock.add_callback(responses.POST, re.compile(base + r"/issues/\d+/comments$"), self.comment)

    def add(self, author: str, body: str, labels: list[str], **extra: Any) -> int:
        number = self.next
        self.next += 1
        self.issues[number] = {
            "number": number,
            "title": extra.pop("title", f"issue {number}"),
            "body": body,
            "state": "open",
            "user": {"login": author},
            "labels": [{"name": x} for x in labels],
            "html_url": f"https://github.com/acme/widgets/issues/{number}",
            "created_at": extra.pop("created_at", "2026-10-10T10:00:00Z"),
            "updated_at": "2026-10-10T10:00:00Z",
            "closed_at": None,
            **extra,
        }
        return number

    @staticmethod
    def _body(request: PreparedRequest) -> dict[str, Any]:
        raw = request.body
        data = json.loads(raw if isinstance(raw, str | bytes) else b"{}")
        assert isinstance(data, dict)
        return data

    def list(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        q = parse_qs(urlparse(request.url or "").query)
        state = q.get("state", ["open"])[0]
        labels = set(q["labels"][0].split(",")) if "labels" in q else set()
        items = [
            i
            for i in self.issues.values()
            if (state == "all" or i["state"] == state)
            and labels <= {x["name"] for x in i["labels"]}
            and ("since" not in q or i["updated_at"] >= q["since"][0])
        ]
        return 200, {}, json.dumps(items)

    def create(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        data = self._body(request)
        number = self.add(self.me, data["body"], list(data.get("labels", [])), title=data["title"])
        self.writes.append(f"create #{number}")
        return 201, {}, json.dumps(self.issues[number])

    def edit(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        number = int((request.url or "").rsplit("/", 1)[1])
        data = self._body(request)
        issue = self.issues[number]
        for key in ("title", "body", "state"):
            if key in data:
                issue[key] = data[key]
        if "labels" in data:
            issue["labels"] = [{"name": x} for x in data["labels"]]
        self.writes.append(f"edit #{number} " + ",".join(sorted(data)))
        return 200, {}, json.dumps(issue)

    def read(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        number = int(urlparse(request.url or "").path.split("/")[-2])
        return 200, {}, json.dumps(self.comments.get(number, []))

    def comment(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        number = int(urlparse(request.url or "").path.split("/")[-2])
        body = self._body(request)["body"]
        self.comments.setdefault(number, []).append({"body": body, "user": {"login": self.me}})
        self.writes.append(f"comment #{number}")
        return 201, {}, json.dumps({"id": 1, "body": body})


@pytest.fixture
def fake() -> Iterator[FakeIssues]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeIssues(mock)


# ----------------------------------------------------------------------------- markers


def test_markers_round_trip_on_the_first_line_only() -> None:
    period = month_period("2026-10", "UTC", NOV)
    assert report_marker(period) == "<!-- slo-gate:report month=2026-10 -->"
    assert parse_report_marker(report_marker(period) + "\nbody") == ("month", "2026-10")
    assert parse_report_marker("text\n" + report_marker(period)) is None
    window = window_period(30 * 86400, "UTC", NOV)
    assert parse_report_marker(report_marker(window)) == ("window", "20261002T0000Z-20261101T0000Z")
    assert parse_alert_marker(alert_marker("mcp-availability")) == "mcp-availability"
    with pytest.raises(ValueError, match="SLO id"):
        alert_marker("x --> <b>")


# ----------------------------------------------------------------------------- report issue


def test_report_issue_is_created_then_updated_in_place(fake: FakeIssues) -> None:
    period = month_period("2026-10", "UTC", NOV)
    repo = make_repo()
    first = publish_report_issue(repo, period, "# report v1\n", identity=BOT)
    assert (first.action, first.number) == ("created", 1)
    created = fake.issues[1]
    assert created["body"].startswith("<!-- slo-gate:report month=2026-10 -->\n# report v1")
    assert [x["name"] for x in created["labels"]] == ["slo-report"]
    assert created["title"] == "SLO report 2026-10"
    second = publish_report_issue(repo, period, "# report v2\n", identity=BOT)
    assert (second.action, second.number) == ("updated", 1)
    assert fake.issues[1]["body"].endswith("# report v2\n")
    third = publish_report_issue(repo, period, "# report v2\n", identity=BOT)
    assert third.action == "unchanged"
    assert fake.writes == ["create #1", "edit #1 body,title"]
    november = month_period("2026-11", "UTC", datetime(2026, 12, 1, tzinfo=UTC))
    assert publish_report_issue(repo, november, "# nov\n", identity=BOT).number == 2


def test_a_spoofed_report_marker_by_another_user_is_ignored(fake: FakeIssues) -> None:
    period = month_period("2026-10", "UTC", NOV)
    spoof = fake.add("mallory", report_marker(period) + "\nfake numbers", ["slo-report"])
    result = publish_report_issue(make_repo(), period, "# real\n", identity=BOT)
    assert result.action == "created" and result.number != spoof
    assert fake.issues[spoof]["body"].endswith("fake numbers")


def test_report_body_is_cut_to_the_issue_limit(fake: FakeIssues) -> None:
    period = month_period("2026-10", "UTC", NOV)
    publish_report_issue(make_repo(), period, "| row |\n" * 20_000, identity=BOT)
    body = fake.issues[1]["body"]
    assert len(body) <= 65_536
    assert "Cut to fit" in body


# ----------------------------------------------------------------------------- alert issues


def _alert(name: str, severity: str, slo: str = "mcp-availability") -> Alert:
    return Alert.model_validate(
        {"slo_id": slo, "name": name, "severity": severity, "message": f"{name} fired"}
    )


def _labels(issue: dict[str, Any]) -> list[str]:
    return [x["name"] for x in issue["labels"]]


def test_alert_issue_opens_updates_and_closes_with_a_comment(fake: FakeIssues) -> None:
    repo = make_repo()
    slos = ["mcp-availability", "ci-pass-rate"]
    cleared = {"mcp-availability": "Cleared at 2026-11-03."}

    # run 1: the 50 % in 7 days alert fires: a warning issue opens
    run1 = sync_alert_issues(
        repo,
        [_alert("policy", "warning")],
        {"mcp-availability": "policy fired"},
        evaluated=slos,
        identity=BOT,
        cleared_comment=cleared,
    )
    assert [(r.action, r.slo_id) for r in run1] == [("created", "mcp-availability")]
    issue = fake.issues[run1[0].number]
    assert issue["body"].startswith(alert_marker("mcp-availability") + "\n")
    assert _labels(issue) == [ALERT_LABEL, "severity:warning"]

    # run 2: still firing and now paused: the same issue is updated and becomes critical;
    # a label a person added stays
    issue["labels"].append({"name": "team:mcp"})
    run2 = sync_alert_issues(
        repo,
        [_alert("policy", "warning"), _alert("pause", "critical")],
        {"mcp-availability": "policy and pause fired"},
        evaluated=slos,
        identity=BOT,
        cleared_comment=cleared,
    )
    assert [(r.action, r.number) for r in run2] == [("updated", run1[0].number)]
    assert _labels(issue) == ["team:mcp", ALERT_LABEL, "severity:critical"]
    assert issue["title"] == "SLO alert (critical): mcp-availability"
    assert len(fake.issues) == 1

    # run 3: the SLO had no data: nothing clears on missing input
    run3 = sync_alert_issues(
        repo, [], {}, evaluated=["ci-pass-rate"], identity=BOT, cleared_comment=cleared
    )
    assert run3 == [] and issue["state"] == "open"

    # run 4: evaluated and quiet: a comment, then closed
    run4 = sync_alert_issues(repo, [], {}, evaluated=slos, identity=BOT, cleared_comment=cleared)
    assert [(r.action, r.number) for r in run4] == [("closed", run1[0].number)]
    assert issue["state"] == "closed"
    assert fake.comments[run1[0].number] == [
        {"body": "Cleared at 2026-11-03.", "user": {"login": BOT}}
    ]
    assert fake.writes[-2:] == [
        f"comment #{run1[0].number}",
        f"edit #{run1[0].number} state,state_reason",
    ]

    # run 5: it fires again: a new issue (the closed one is history)
    run5 = sync_alert_issues(
        repo,
        [_alert("page-fast", "critical")],
        {"mcp-availability": "page"},
        evaluated=slos,
        identity=BOT,
        cleared_comment=cleared,
    )
    assert run5[0].action == "created" and run5[0].number != run1[0].number


def test_spoofed_alert_issue_is_neither_updated_nor_closed(fake: FakeIssues) -> None:
    spoof = fake.add("mallory", alert_marker("mcp-availability") + "\nall fine", [ALERT_LABEL])
    results = sync_alert_issues(
        make_repo(),
        [_alert("rollback", "critical")],
        {"mcp-availability": "rollback"},
        evaluated=["mcp-availability"],
        identity=BOT,
        cleared_comment={},
    )
    assert [r.action for r in results] == ["created"]
    assert fake.issues[spoof]["body"].endswith("all fine")
    assert fake.issues[spoof]["state"] == "open"


# ----------------------------------------------------------------------------- incident issues


def test_incident_issues_of_the_month_with_their_comments(fake: FakeIssues) -> None:
    fake.add("sam", "## Root cause\nx", ["incident"], created_at="2026-10-27T16:00:00Z")
    fake.add("sam", "old", ["incident"], created_at="2026-09-27T16:00:00Z")
    fake.add("sam", "pr", ["incident"], created_at="2026-10-05T16:00:00Z", pull_request={})
    fake.add("sam", "other label", ["bug"], created_at="2026-10-05T16:00:00Z")
    fake.comments[1] = [
        {
            "body": "PIR: https://docs.example/1",
            "user": {"login": "kim"},
            "created_at": "2026-10-28T10:00:00Z",
        }
    ]
    period = month_period("2026-10", "UTC", NOV)
    issues = read_incident_issues(make_repo(), "incident", period.start, period.end)
    assert [i.number for i in issues] == [1]
    assert issues[0].comments[0].author == "kim"
    assert issues[0].body == "## Root cause\nx"


def test_github_errors_name_what_was_being_done() -> None:
    with responses.RequestsMock() as mock:
        mock.add(
            responses.GET,
            re.compile(re.escape(WIRE) + r"/issues.*"),
            status=403,
            json={"message": "no"},
        )
        period = month_period("2026-10", "UTC", NOV)
        with pytest.raises(GitHubError, match="listing the issues labelled 'incident'"):
            read_incident_issues(make_repo(), "incident", period.start, period.end)
