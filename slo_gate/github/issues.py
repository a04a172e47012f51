"""Issues: the monthly report issue, one alert issue per SLO, and the incident issues read back.

* ``publish_report_issue`` posts the rendered report as an issue, or updates that month's issue,
  found by its hidden first-line marker ``<!-- slo-gate:report month=2026-10 -->``.
* ``sync_alert_issues`` opens one issue per SLO with firing alerts (``<!-- slo-gate:alert
  slo=mcp-availability -->``), updates it while the alerts fire, and closes it with a comment
  when they clear. Labels carry the severity (``severity:warning`` / ``severity:critical``).
  An SLO without data in this run is left alone: missing input never closes an alert.
* ``read_incident_issues`` reads the issues labelled ``incident`` (configurable) opened in a
  period, with their comments, as plain data for the report builder.

Only issues written by slo-gate's own identity are ever edited: an issue by anyone else is
ignored even when its first line is a perfect marker. Requests go through the PyGithub
requester (as in ``publish``) so that each one is explicit and counted: the Actions token has
about 1,000 REST requests per hour per repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from github import GithubException
from github.Repository import Repository

from slo_gate.github.client import github_error
from slo_gate.github.paging import next_link, parse_time
from slo_gate.render.escape import truncate_markdown
from slo_gate.report_model import Alert, IncidentIssueData, IssueComment, Period, Severity

ISSUE_BODY_LIMIT = 65_536
REPORT_LABEL = "slo-report"
ALERT_LABEL = "slo-gate-alert"
SEVERITY_LABELS: dict[Severity, str] = {
    "warning": "severity:warning",
    "critical": "severity:critical",
}
MAX_PAGES = 20  # 2,000 issues per listing: a bound, so a huge repository cannot drain the budget

_REPORT_MARKER = re.compile(r"^<!-- slo-gate:report (month|window)=([A-Za-z0-9._:+-]{1,64}) -->$")
_ALERT_MARKER = re.compile(r"^<!-- slo-gate:alert slo=([a-z0-9][a-z0-9-]{0,63}) -->$")
_TRUNCATED = "> [!NOTE]\n> Cut to fit GitHub's issue size limit. The full report is in the files."


# ----------------------------------------------------------------------------- markers


def report_key(period: Period) -> tuple[str, str]:
    """``("month", "2026-10")``, or ``("window", "20261002T0000Z-20261101T0000Z")``."""
    if period.kind == "month":
        return "month", period.label
    fmt = "%Y%m%dT%H%MZ"
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    return "window", f"{start.strftime(fmt)}-{end.strftime(fmt)}"


def report_marker(period: Period) -> str:
    kind, key = report_key(period)
    return f"<!-- slo-gate:report {kind}={key} -->"


def alert_marker(slo_id: str) -> str:
    marker = f"<!-- slo-gate:alert slo={slo_id} -->"
    if not _ALERT_MARKER.match(marker):
        raise ValueError(f"SLO id {slo_id!r}: use lowercase letters, digits and '-'")
    return marker


def _first_line(body: str | None) -> str:
    return (body or "").split("\n", 1)[0].rstrip("\r")


def parse_report_marker(body: str | None) -> tuple[str, str] | None:
    """``(kind, key)`` when the body's first line is the report marker (only the first line)."""
    m = _REPORT_MARKER.match(_first_line(body))
    return (m.group(1), m.group(2)) if m else None


def parse_alert_marker(body: str | None) -> str | None:
    m = _ALERT_MARKER.match(_first_line(body))
    return m.group(1) if m else None


# ----------------------------------------------------------------------------- raw calls


def _request(
    repo: Repository, verb: str, url: str, doing: str, body: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    try:
        _, data = repo.requester.requestJsonAndCheck(
            verb, url, input=dict(body) if body is not None else None
        )
    except GithubException as exc:
        raise github_error(exc, doing) from None
    return data if isinstance(data, dict) else {}


def _pages(
    repo: Repository, url: str, params: Mapping[str, Any], doing: str
) -> list[dict[str, Any]]:
    """Every item of a listing, following ``Link: rel=next`` (at most ``MAX_PAGES`` pages)."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    query: dict[str, Any] | None = {**params, "per_page": 100}
    for _ in range(MAX_PAGES):
        if next_url is None:
            break
        try:
            headers, data = repo.requester.requestJsonAndCheck("GET", next_url, parameters=query)
        except GithubException as exc:
            raise github_error(exc, doing) from None
        if isinstance(data, list):
            items.extend(item for item in data if isinstance(item, dict))
        next_url, query = next_link(headers), None  # the next link carries the query
    return items


def _login(item: Mapping[str, Any]) -> str:
    user = item.get("user")
    return str(user.get("login", "")) if isinstance(user, dict) else ""


def _labels(item: Mapping[str, Any]) -> list[str]:
    labels = item.get("labels")
    if not isinstance(labels, list):
        return []
    return [str(x["name"]) if isinstance(x, dict) else str(x) for x in labels]


def _is_ours(item: Mapping[str, Any], identity: str) -> bool:
    return "pull_request" not in item and _login(item).lower() == identity.lower()


@dataclass(frozen=True)
class IssueResult:
    action: Literal["created", "updated", "unchanged", "closed"]
    number: int
    url: str = ""
    slo_id: str = ""


def _body(marker: str, text: str) -> str:
    room = ISSUE_BODY_LIMIT - len(marker) - 1
    return f"{marker}\n{truncate_markdown(text, room, _TRUNCATED)}"


# ----------------------------------------------------------------------------- the report issue


def publish_report_issue(
    repo: Repository,
    period: Period,
    markdown: str,
    *,
    identity: str,
    label: str = REPORT_LABEL,
    title: str | None = None,
) -> IssueResult:
    """Create the period's report issue, or update the one slo-gate wrote before.

    Listing is narrowed by ``label``; the issue must carry the period's marker on its first
    line and be written by ``identity``. An unchanged body costs no write.
    """
    marker = report_marker(period)
    body = _body(marker, markdown)
    title = title or f"SLO report {period.label}"
    key = report_key(period)
    doing = f"listing the {label!r} issues"
    for item in _pages(repo, f"{repo.url}/issues", {"state": "all", "labels": label}, doing):
        if not _is_ours(item, identity) or parse_report_marker(item.get("body")) != key:
            continue
        number = int(item["number"])
        url = str(item.get("html_url", ""))
        if item.get("body") == body and item.get("title") == title:
            return IssueResult("unchanged", number, url)
        _request(
            repo,
            "PATCH",
            f"{repo.url}/issues/{number}",
            f"updating the report issue #{number}",
            {"title": title, "body": body},
        )
        return IssueResult("updated", number, url)
    data = _request(
        repo,
        "POST",
        f"{repo.url}/issues",
        f"creating the report issue for {period.label}",
        {"title": title, "body": body, "labels": [label]},
    )
    return IssueResult("created", int(data.get("number", 0)), str(data.get("html_url", "")))


# ----------------------------------------------------------------------------- alert issues


def _severity(alerts: Iterable[Alert]) -> Severity:
    return "critical" if any(a.severity == "critical" for a in alerts) else "warning"


def alert_labels(existing: Sequence[str], severity: Severity) -> list[str]:
    """Keep the labels people added; replace the severity label; keep the alert label."""
    ours = set(SEVERITY_LABELS.values()) | {ALERT_LABEL}
    return [*(x for x in existing if x not in ours), ALERT_LABEL, SEVERITY_LABELS[severity]]


def sync_alert_issues(
    repo: Repository,
    alerts: Sequence[Alert],
    bodies: Mapping[str, str],
    *,
    evaluated: Iterable[str],
    identity: str,
    cleared_comment: Mapping[str, str],
) -> list[IssueResult]:
    """Open, update or close one issue per SLO.

    ``bodies`` maps each firing SLO id to its rendered body (``render_alert_body``);
    ``evaluated`` names the SLOs that had data this run: only those can clear;
    ``cleared_comment`` maps SLO ids to the comment posted when their issue closes.
    """
    firing: dict[str, list[Alert]] = {}
    for alert in alerts:
        firing.setdefault(alert.slo_id, []).append(alert)
    known = set(evaluated)
    open_issues: dict[str, dict[str, Any]] = {}
    doing = f"listing the open {ALERT_LABEL!r} issues"
    listing = _pages(repo, f"{repo.url}/issues", {"state": "open", "labels": ALERT_LABEL}, doing)
    for item in listing:
        slo_id = parse_alert_marker(item.get("body"))
        if slo_id is not None and _is_ours(item, identity) and slo_id not in open_issues:
            open_issues[slo_id] = item
    results: list[IssueResult] = []
    for slo_id in sorted(firing):
        severity = _severity(firing[slo_id])
        title = f"SLO alert ({severity}): {slo_id}"
        body = _body(alert_marker(slo_id), bodies[slo_id])
        existing = open_issues.get(slo_id)
        if existing is None:
            data = _request(
                repo,
                "POST",
                f"{repo.url}/issues",
                f"opening the alert issue for {slo_id}",
                {"title": title, "body": body, "labels": alert_labels([], severity)},
            )
            results.append(
                IssueResult(
                    "created", int(data.get("number", 0)), str(data.get("html_url", "")), slo_id
                )
            )
            continue
        item = existing
        number = int(item["number"])
        labels = alert_labels(_labels(item), severity)
        if item.get("body") == body and item.get("title") == title and _labels(item) == labels:
            results.append(IssueResult("unchanged", number, str(item.get("html_url", "")), slo_id))
            continue
        _request(
            repo,
            "PATCH",
            f"{repo.url}/issues/{number}",
            f"updating the alert issue #{number} ({slo_id})",
            {"title": title, "body": body, "labels": labels},
        )
        results.append(IssueResult("updated", number, str(item.get("html_url", "")), slo_id))
    for slo_id, item in sorted(open_issues.items()):
        if slo_id in firing or slo_id not in known:
            continue
        number = int(item["number"])
        _request(
            repo,
            "POST",
            f"{repo.url}/issues/{number}/comments",
            f"commenting on the alert issue #{number} ({slo_id})",
            {"body": cleared_comment.get(slo_id, "Cleared: no alert fires for this SLO.")},
        )
        _request(
            repo,
            "PATCH",
            f"{repo.url}/issues/{number}",
            f"closing the alert issue #{number} ({slo_id})",
            {"state": "closed", "state_reason": "completed"},
        )
        results.append(IssueResult("closed", number, str(item.get("html_url", "")), slo_id))
    return results


# ----------------------------------------------------------------------------- incident issues


def read_incident_issues(
    repo: Repository, label: str, start: datetime, end: datetime
) -> list[IncidentIssueData]:
    """Issues labelled ``label`` opened in ``[start, end)``, with their comments.

    ``since`` narrows the listing to issues updated from ``start`` on (an issue opened in the
    period was updated then at the latest); one more request per issue reads its comments.
    """
    since = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    doing = f"listing the issues labelled {label!r}"
    params = {"state": "all", "labels": label, "since": since}
    out = []
    for item in _pages(repo, f"{repo.url}/issues", params, doing):
        opened = parse_time(item.get("created_at"))
        if "pull_request" in item or opened is None or not start <= opened < end:
            continue
        number = int(item["number"])
        comments = [
            IssueComment(author=_login(c), created_at=at, body=str(c.get("body") or ""))
            for c in _pages(
                repo,
                f"{repo.url}/issues/{number}/comments",
                {},
                f"reading the comments of issue #{number}",
            )
            if (at := parse_time(c.get("created_at"))) is not None
        ]
        out.append(
            IncidentIssueData(
                number=number,
                title=str(item.get("title") or ""),
                url=str(item.get("html_url") or ""),
                author=_login(item),
                state=str(item.get("state") or "open"),
                opened_at=opened,
                closed_at=parse_time(item.get("closed_at")),
                labels=_labels(item),
                body=str(item.get("body") or ""),
                comments=comments,
            )
        )
    return out
