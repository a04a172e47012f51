"""The report renderers: golden Markdown, and untrusted text kept inert in Markdown and HTML.

Regenerate the golden file with ``SLO_GATE_REGEN_GOLDEN=1 pytest tests/report``, then review
the diff by eye.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from slo_gate.collectors.incident_issues import incident_issues
from slo_gate.config.policy import Policy, ServerPolicy
from slo_gate.events import (
    EventBucket,
    LatencyDigest,
    LocationLatency,
    RatioSeries,
    ServerMeasurement,
)
from slo_gate.measurements import Problem, VisualCounts
from slo_gate.records import BundleRecord, Record, SizeRecord, TestRecord, WidgetRecord
from slo_gate.render.alert_issue import render_alert_body
from slo_gate.render.report_html import render_report_html
from slo_gate.render.report_markdown import render_report_markdown
from slo_gate.report.build import ReportInput, ServerInput, build_report
from slo_gate.report.periods import month_period
from slo_gate.report_model import IncidentIssueData, IssueComment, Report
from slo_gate.runs import RunSummary
from tests.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
OCT = datetime(2026, 10, 1, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)
HOSTILE = "@here <script>alert(1)</script> | `x` <!-- slo-gate:report month=2026-10 -->"


def _minute_series(start: datetime, end: datetime, bad: set[int]) -> RatioSeries:
    buckets = []
    t = int(start.timestamp())
    while t < int(end.timestamp()):
        buckets.append(EventBucket(t, 0 if t in bad else 1, 1))
        t += 60
    return RatioSeries(tuple(buckets), 60)


def _server(start: datetime, end: datetime, bad: set[int]) -> ServerMeasurement:
    series = _minute_series(start, end, bad)
    digest = LatencyDigest()
    for ms in range(1, 201):
        digest.add_ms(float(ms) * 2.2)  # P95 = 190 · 2.2 = 418 ms: a warning
    within = _minute_series(start, end, set())
    return ServerMeasurement(
        window_start_s=int(start.timestamp()),
        now_s=int(end.timestamp()),
        availability=series,
        latency={"local": LocationLatency("local", 500_000, within, digest)},
        lines=series.total.valid,
        requests=series.total.valid,
    )


def sample_report() -> Report:
    """A small October in Berlin: an outage, growing widgets, CI runs and two incident issues."""
    policy = Policy(timezone="Europe/Berlin", server=ServerPolicy(logs=["logs/*.jsonl"]))
    period = month_period("2026-10", "Europe/Berlin", NOV + timedelta(days=3))
    outage = int(datetime(2026, 10, 27, 10, tzinfo=UTC).timestamp())
    bad = {outage + 60 * k for k in range(180)}  # 180 of 43,200: 83 % of the budget
    here = _server(period.start, period.end, bad)
    budget = _server(period.end - timedelta(days=30), period.end, bad)
    before = _server(period.start - timedelta(days=30), period.start, set())
    records = []
    for day in range(0, 31, 3):
        at = period.start + timedelta(days=day, hours=14)
        grow = day * 500
        records.append(
            Record(
                recorded_at=at,
                branch="main",
                build_time_s=150.0 + day * 3,
                bundles=BundleRecord(
                    widgets={
                        "gallery": WidgetRecord(raw=480_000, gzip=236_000 + grow, brotli=205_000),
                        HOSTILE: WidgetRecord(raw=100_000, gzip=50_000, brotli=45_000),
                    },
                    total=SizeRecord(raw=580_000, gzip=286_000 + grow, brotli=250_000),
                ),
                tests=TestRecord(visual=VisualCounts(total=40, passed=39, failed=1)),
            )
        )
    records.append(
        Record(
            recorded_at=datetime(2026, 9, 20, tzinfo=UTC),
            branch="main",
            bundles=BundleRecord(
                widgets={"gallery": WidgetRecord(raw=1, gzip=230_000, brotli=1)},
                total=SizeRecord(raw=1, gzip=280_000, brotli=1),
            ),
        )
    )
    runs = [
        RunSummary(
            id=i,
            head_branch="main",
            conclusion="failure" if i % 8 == 0 else "success",
            created_at=period.start + timedelta(hours=7 * i),
        )
        for i in range(1, 100)
    ]
    issues = [
        IncidentIssueData(
            number=41,
            title=f"Outage of the MCP server {HOSTILE}",
            url="https://github.com/acme/widgets/issues/41",
            opened_at=datetime(2026, 10, 27, 10, 30, tzinfo=UTC),
            body=(
                f"## Root cause\nA bad deploy by @someone.\n{HOSTILE}\n\n## Remediation\nRollback."
            ),
            comments=[
                IssueComment(
                    author="sam",
                    created_at=datetime(2026, 10, 28, 9, tzinfo=UTC),
                    body="Post-incident review: https://docs.example/pir/41",
                )
            ],
        ),
        IncidentIssueData(
            number=42,
            title="Slow builds",
            url="javascript:alert(1)",
            opened_at=datetime(2026, 10, 12, 8, tzinfo=UTC),
            body="No sections here.",
        ),
    ]
    return build_report(
        ReportInput(
            policy=policy,
            period=period,
            now=NOV + timedelta(days=3),
            records=records,
            server=ServerInput(period=here, budget=budget, previous=before),
            ci_runs=runs,
            incident_issues=incident_issues(
                issues, period.start, period.end, NOV + timedelta(days=3)
            ),
            problems=[
                Problem(
                    code="server-logs-bad-lines",
                    message=f"2 lines unusable {HOSTILE}",
                    path="logs/a.jsonl",
                    line=7,
                    level="warning",
                )
            ],
        )
    )


def test_report_markdown_matches_the_golden_file() -> None:
    check_golden(GOLDEN / "report.md", render_report_markdown(sample_report()))


def test_markdown_keeps_untrusted_text_inert() -> None:
    text = render_report_markdown(sample_report())
    assert "<script>" not in text
    assert "<!-- slo-gate" not in text  # a forged marker never reaches the body as a comment
    assert "@here" not in text and "@someone" not in text  # nobody is mentioned
    assert "javascript:" not in text.replace("javascript:alert", "")  # only as escaped title
    assert "](javascript" not in text
    for block in re.findall(r"```mermaid\n(.*?)```", text, re.S):
        assert "here" not in block and "<" not in block  # charts carry no user text
    for line in text.splitlines():
        if line.startswith("| ") and "gallery" not in line and "slo-gate" not in line:
            cells = re.split(r"(?<!\\)\|", line)
            assert cells[0] == "" and cells[-1] == "", line  # every row stays a row


def test_html_escapes_everything_and_references_nothing_outside() -> None:
    html = render_report_html(sample_report())
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("javascript:alert(1)</", "")  # no such href
    assert 'href="javascript' not in html

    class Refs(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.refs: list[tuple[str, str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for name, value in attrs:
                if name in ("src", "href", "xlink:href", "action") and value:
                    self.refs.append((tag, value))

    parser = Refs()
    parser.feed(html)
    assert parser.refs == [("a", "https://github.com/acme/widgets/issues/41")]
    assert html.count("<svg") >= 5


def test_alert_issue_body_names_the_alerts_and_the_budget() -> None:
    report = sample_report()
    assert {a.slo_id for a in report.alerts} >= {"mcp-availability"}
    budget = next(b for b in report.budgets if b.slo_id == "mcp-availability")
    body = render_alert_body(
        "mcp-availability",
        [a for a in report.alerts if a.slo_id == "mcp-availability"],
        budget,
        NOV,
    )
    check_golden(GOLDEN / "alert.md", body)
