"""``slo-gate report --publish issue --alerts`` through the CLI against the REST API simulated
with ``responses``: the example month's report issue and its alert issue, created once."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import responses
from requests import PreparedRequest

from slo_gate.cli import main

ROOT = Path(__file__).resolve().parents[2]
REPO = "https://api.github.com:443/repos/acme/widgets"


class FakeIssues:
    """A repository with no issues yet that records what slo-gate creates."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.seen: list[str] = []

    def __call__(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = request.url or ""
        self.seen.append(f"{request.method} {url.split('?')[0].removeprefix(REPO)}")
        if url.endswith("/user"):
            return 403, {}, json.dumps({"message": "Resource not accessible by integration"})
        if request.method == "GET" and "/issues" in url:
            return 200, {}, "[]"
        if request.method == "POST" and url.endswith("/issues"):
            raw = request.body
            body = json.loads(raw if isinstance(raw, str | bytes) else b"{}")
            number = len(self.created) + 1
            self.created.append(body)
            issue = {
                "number": number,
                "id": number,
                "url": f"{REPO}/issues/{number}",
                "html_url": f"https://github.com/acme/widgets/issues/{number}",
                "user": {"login": "github-actions[bot]"},
                "state": "open",
                **body,
                "labels": [{"name": n} for n in body.get("labels", [])],
            }
            return 201, {}, json.dumps(issue)
        return 404, {}, json.dumps({"message": "Not Found"})


def test_report_and_alert_issues_are_published(tmp_path: Path) -> None:
    fake = FakeIssues()
    out = io.StringIO()
    with responses.RequestsMock() as rsps:
        for method in (responses.GET, responses.POST):
            rsps.add_callback(method, re.compile(r"https://api\.github\.com.*"), callback=fake)
        code = main(
            [
                "report",
                "--config",
                str(ROOT / "examples/slo-gate.yml"),
                "--workspace",
                str(ROOT),
                "--month",
                "2026-10",
                "--now",
                "2026-11-01T00:00:00Z",
                "--history",
                str(tmp_path / "none.jsonl"),
                "--publish",
                "issue",
                "--alerts",
                "--json",
                str(tmp_path / "report.json"),
            ],
            env={"GITHUB_REPOSITORY": "acme/widgets", "GITHUB_TOKEN": "ghs_report_token"},
            out=out,
            err=io.StringIO(),
            clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
        )
    assert code == 0, out.getvalue()
    assert fake.seen == [
        "GET /issues",  # incident issues of October
        "GET https://api.github.com:443/user",
        "GET /issues",  # an earlier report issue of this month?
        "POST /issues",
        "GET /issues",  # open alert issues
        "POST /issues",  # mcp-availability: releases paused
        "POST /issues",  # mcp-latency-local: the hourly latency alert, as the gate fires it
    ]
    report, alert, latency = fake.created
    assert "<!-- slo-gate:alert slo=mcp-latency-local -->" in latency["body"]
    assert "<!-- slo-gate:report month=2026-10 -->" in report["body"]
    assert report["title"].startswith("SLO report")
    assert "<!-- slo-gate:alert slo=mcp-availability -->" in alert["body"]
    assert "severity:critical" in alert["labels"]  # a pause is critical
    assert "ghs_report_token" not in out.getvalue()
    assert "report issue #1: created" in out.getvalue()
