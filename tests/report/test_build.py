"""The report builder against hand-computed numbers.

Every expectation below is worked out by hand in the comment beside it, so a change in the
builder's arithmetic fails here rather than slipping into a golden file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from slo_gate.collectors.incident_issues import (
    incident_issues,
    parse_incident_issue,
    review_link,
    section,
)
from slo_gate.config.policy import BudgetPolicy, Policy
from slo_gate.engine.incidents import breaching_periods
from slo_gate.events import (
    EventBucket,
    LatencyDigest,
    LocationLatency,
    RatioSeries,
    ServerMeasurement,
)
from slo_gate.measurements import VisualCounts
from slo_gate.records import BundleRecord, Record, SizeRecord, TestRecord, WidgetRecord
from slo_gate.report.build import ReportInput, ServerInput, build_report
from slo_gate.report.periods import days_of, month_period, previous_period, window_period
from slo_gate.report_model import IncidentIssueData, IssueComment
from slo_gate.runs import RunSummary

UTC_OCT = datetime(2026, 10, 1, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def _s(at: datetime) -> int:
    return int(at.timestamp())


# ----------------------------------------------------------------------------- periods


def test_calendar_month_in_berlin_has_its_own_boundaries_and_a_25_hour_day() -> None:
    period = month_period("2026-10", "Europe/Berlin", datetime(2026, 11, 5, tzinfo=UTC))
    # October starts at 00:00 CEST (UTC+2) and ends at 00:00 CET (UTC+1) on 1 November
    assert period.start.astimezone(UTC) == datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert period.end.astimezone(UTC) == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert period.as_of == period.end
    assert period.seconds == 31 * 86400 + 3600
    days = days_of(period)
    assert len(days) == 31
    lengths = {key: end - start for key, start, end in days}
    assert lengths["2026-10-25"] == 25 * 3600  # DST ends on the last Sunday of October
    assert lengths["2026-10-24"] == 24 * 3600
    assert previous_period(period).start.astimezone(UTC) == datetime(2026, 8, 31, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("month", "now", "error"),
    [
        ("2026-13", NOV, "expected YYYY-MM"),
        ("26-10", NOV, "expected YYYY-MM"),
        ("2026-12", NOV, "after now"),
    ],
)
def test_bad_months_are_refused_with_a_fix(month: str, now: datetime, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        month_period(month, "UTC", now)


def test_unknown_time_zone_names_the_fix() -> None:
    with pytest.raises(ValueError, match="IANA name"):
        month_period("2026-10", "Mars/Olympus", NOV)


def test_january_previous_month_is_december_of_the_year_before() -> None:
    period = month_period("2027-01", "UTC", datetime(2027, 2, 1, tzinfo=UTC))
    prev = previous_period(period)
    assert (prev.label, prev.start, prev.end) == (
        "2026-12",
        datetime(2026, 12, 1, tzinfo=UTC),
        period.start,
    )


def test_rolling_window_ends_now_and_the_previous_one_before_it() -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    period = window_period(7 * 86400, "UTC", now)
    assert (period.start, period.end, period.as_of) == (now - timedelta(days=7), now, now)
    prev = previous_period(period)
    assert (prev.start, prev.end) == (now - timedelta(days=14), now - timedelta(days=7))


# ----------------------------------------------------------------------------- helpers


def _bundle(gallery: int, chat: int = 100_000, total: int = 300_000) -> BundleRecord:
    def w(g: int) -> WidgetRecord:
        return WidgetRecord(raw=g * 2, gzip=g, brotli=g * 9 // 10)

    return BundleRecord(
        widgets={"gallery": w(gallery), "chat": w(chat)},
        total=SizeRecord(raw=total * 2, gzip=total, brotli=total * 9 // 10),
    )


def _minutes_series(start: datetime, end: datetime, bad: set[int]) -> RatioSeries:
    """One request a minute; the minutes whose start is in ``bad`` failed."""
    buckets = []
    t = _s(start)
    while t < _s(end):
        buckets.append(EventBucket(t, 0 if t in bad else 1, 1))
        t += 60
    return RatioSeries(tuple(buckets), 60)


def _server(series: RatioSeries, start: datetime, end: datetime) -> ServerMeasurement:
    digest = LatencyDigest()
    for ms in range(1, 101):  # 100 requests of 1..100 ms: P95 = the 95th = 95 ms
        digest.add_ms(float(ms))
    within = RatioSeries((EventBucket(_s(start), 100, 100),), 60)
    latency = {"local": LocationLatency("local", 500_000, within, digest)}
    return ServerMeasurement(
        window_start_s=_s(start),
        now_s=_s(end),
        availability=series,
        latency=latency,
        lines=series.total.valid,
        requests=series.total.valid,
    )


# ----------------------------------------------------------------------------- coverage


def test_partial_month_says_how_much_is_covered() -> None:
    now = datetime(2026, 10, 11, tzinfo=UTC)  # 10 of 31 days elapsed
    records = [
        Record(
            recorded_at=UTC_OCT + timedelta(days=d, hours=12),
            branch="main",
            bundles=_bundle(200_000),
        )
        for d in (0, 2, 4, 6, 8)
    ]
    report = build_report(
        ReportInput(
            policy=Policy(), period=month_period("2026-10", "UTC", now), now=now, records=records
        )
    )
    cov = report.coverage
    assert cov.partial
    assert cov.elapsed_share == pytest.approx(10 / 31)
    history = next(s for s in cov.sources if s.source == "history records")
    assert (history.samples, history.days_with_data, history.days) == (5, 5, 10)
    assert "32.3 % elapsed" in cov.note
    assert "history records cover 5 of 10 days" in cov.note
    assert "no server logs" in cov.note  # missing input is said, never a silent pass


def test_pull_request_records_do_not_enter_the_trends() -> None:
    records = [
        Record(recorded_at=UTC_OCT + timedelta(hours=1), branch="main", bundles=_bundle(200_000)),
        Record(
            recorded_at=UTC_OCT + timedelta(hours=2), branch="feature", bundles=_bundle(249_999)
        ),
    ]
    report = build_report(
        ReportInput(
            policy=Policy(), period=month_period("2026-10", "UTC", NOV), now=NOV, records=records
        )
    )
    size = next(s for s in report.performance.slos if s.id == "widget-bundle-size")
    assert (size.value, size.samples) == (200_000, 1)


# ----------------------------------------------------------------------------- performance


def test_build_time_statistics_are_nearest_rank() -> None:
    # six builds: median = ceil(0.5·6) = 3rd = 180 s; P95 = ceil(0.95·6) = 6th = 360 s
    values = [300.0, 60.0, 240.0, 120.0, 360.0, 180.0]
    records = [
        Record(recorded_at=UTC_OCT + timedelta(days=i, hours=1), branch="main", build_time_s=v)
        for i, v in enumerate(values)
    ]
    report = build_report(
        ReportInput(
            policy=Policy(), period=month_period("2026-10", "UTC", NOV), now=NOV, records=records
        )
    )
    b = report.performance.build_time
    assert b is not None
    assert (b.n, b.median_s, b.p95_s, b.max_s, b.within) == (6, 180.0, 360.0, 360.0, 5)
    slo = next(s for s in report.performance.slos if s.id == "widget-build-time")
    assert slo.status == "fail"  # 360 s > the 5 min critical limit


def test_ci_and_visual_pass_rates() -> None:
    runs = [
        RunSummary(
            id=i,
            head_branch="main",
            conclusion="failure" if i % 10 == 0 else "success",
            created_at=UTC_OCT + timedelta(hours=i),
        )
        for i in range(1, 41)  # 40 runs, 4 failed (10, 20, 30, 40): 36/40 = 90 %
    ] + [
        RunSummary(id=99, head_branch="main", conclusion="cancelled", created_at=UTC_OCT),
        RunSummary(id=98, head_branch="dev", conclusion="failure", created_at=UTC_OCT),
    ]
    visual = VisualCounts(total=50, passed=48, failed=2, flaky=1)
    records = [
        Record(
            recorded_at=UTC_OCT + timedelta(days=d), branch="main", tests=TestRecord(visual=visual)
        )
        for d in range(1, 3)
    ]
    report = build_report(
        ReportInput(
            policy=Policy(),
            period=month_period("2026-10", "UTC", NOV),
            now=NOV,
            records=records,
            ci_runs=runs,
        )
    )
    ci = report.performance.ci
    assert ci is not None
    assert (ci.passed, ci.failed, ci.rate) == (36, 4, 0.9)
    slos = {s.id: s for s in report.performance.slos}
    assert slos["ci-pass-rate"].status == "fail"  # 90 % < 95 %
    assert slos["visual-pass-rate"].value == pytest.approx(96.0)  # 96 of 100
    assert slos["visual-pass-rate"].status == "warn"  # 95 % <= 96 % < 97 %


# ----------------------------------------------------------------------------- incidents


def test_an_outage_in_the_data_is_one_incident_with_its_budget() -> None:
    # One request a minute all October; the 30 minutes from 10:00 on 27 October all fail.
    outage = datetime(2026, 10, 27, 10, tzinfo=UTC)
    bad = {_s(outage) + 60 * k for k in range(30)}
    series = _minutes_series(UTC_OCT, NOV, bad)
    m = _server(series, UTC_OCT, NOV)
    report = build_report(
        ReportInput(
            policy=Policy(),
            period=month_period("2026-10", "UTC", NOV),
            now=NOV,
            server=ServerInput(period=m, budget=m),
        )
    )
    found = [i for i in report.incidents.found if i.slo_id == "mcp-availability"]
    assert len(found) == 1
    incident = found[0]
    assert (incident.start, incident.end) == (outage, outage + timedelta(minutes=30))
    assert (incident.bad, incident.valid) == (30, 30)
    # consumed = 30 / (0.005 · 44,640 requests of October) = 30 / 223.2
    assert incident.budget_consumed == pytest.approx(float(Fraction(30) / Fraction("223.2")))
    avail = next(s for s in report.performance.slos if s.id == "mcp-availability")
    assert avail.value == pytest.approx((44_640 - 30) / 44_640 * 100)


def test_four_bad_minutes_an_hour_stay_below_the_page_rule() -> None:
    # 14.4 × 0.5 % = 7.2 % of 60 requests = 4.32: four bad minutes do not breach, five do
    start = datetime(2026, 10, 5, tzinfo=UTC)
    base = _s(start)
    four = _minutes_series(
        start, start + timedelta(hours=3), {base + 600 + 60 * k for k in range(4)}
    )
    five = _minutes_series(
        start, start + timedelta(hours=3), {base + 600 + 60 * k for k in range(5)}
    )
    limit = Fraction(1, 200) * Fraction("14.4")

    def breach(c: object) -> bool:
        from slo_gate.events import WindowCounts

        assert isinstance(c, WindowCounts)
        return c.valid >= 20 and Fraction(c.bad, c.valid) > limit

    end = base + 3 * 3600
    assert breaching_periods(four, base, end, 3600, 60, breach) == []
    assert breaching_periods(five, base, end, 3600, 60, breach) == [(base + 600, base + 900)]


# ----------------------------------------------------------------------------- incident issues

BODY = """Something broke.

## Root cause
A config change sent every request to the **old** pool.

## Timeline
- 10:00 alert

```
## Root cause in a code block is not a heading
```

### Remediation
1. Revert the config.
2. Add a canary.
"""


def test_root_cause_and_remediation_sections_are_parsed() -> None:
    assert section(BODY, __import__("re").compile("root cause", 2)) == (
        "A config change sent every request to the **old** pool."
    )
    issue = parse_incident_issue(
        IncidentIssueData(number=7, title="Outage", opened_at=UTC_OCT, body=BODY), NOV
    )
    assert issue.root_cause == "A config change sent every request to the **old** pool."
    assert issue.remediation == "1. Revert the config.\n2. Add a canary."


OPENED = datetime(2026, 10, 27, 16, tzinfo=UTC)


def _comment(hours: float, body: str) -> IssueComment:
    return IssueComment(author="sam", created_at=OPENED + timedelta(hours=hours), body=body)


@pytest.mark.parametrize(
    ("comments", "body", "now", "state", "flagged"),
    [
        (
            [_comment(47, "Post-incident review: https://docs.example/pir/42")],
            "",
            NOV,
            "linked",
            False,
        ),
        ([_comment(49, "Postmortem https://docs.example/pir/42")], "", NOV, "late", True),
        (
            [_comment(2, "looking into it, see https://grafana.example/d/1")],
            "",
            NOV,
            "missing",
            True,
        ),
        ([], "", OPENED + timedelta(hours=47), "pending", False),
        ([], "## Post-incident review\n\nacme/ops#12\n", NOV, "linked", False),
        ([_comment(1, "```\nreview https://x.example\n```")], "", NOV, "missing", True),
    ],
)
def test_post_incident_review_within_48_hours(
    comments: list[IssueComment], body: str, now: datetime, state: str, flagged: bool
) -> None:
    data = IncidentIssueData(number=1, title="t", opened_at=OPENED, body=body, comments=comments)
    issue = parse_incident_issue(data, now)
    assert (issue.review, issue.flagged) == (state, flagged)


def test_review_link_needs_the_word_or_the_section() -> None:
    assert review_link("see https://a.example/x") is None
    assert review_link("PIR: https://a.example/x") == "https://a.example/x"


def test_issues_outside_the_month_are_left_out() -> None:
    issues = [
        IncidentIssueData(number=1, title="in", opened_at=datetime(2026, 10, 31, 23, tzinfo=UTC)),
        IncidentIssueData(number=2, title="out", opened_at=NOV),
    ]
    period = month_period("2026-10", "UTC", NOV)
    parsed = incident_issues(issues, period.start, period.end, NOV)
    report = build_report(
        ReportInput(policy=Policy(), period=period, now=NOV, incident_issues=parsed)
    )
    assert [i.number for i in report.incidents.issues] == [1]
    assert report.incidents.issues_read


# ----------------------------------------------------------------------------- trends and budgets


def test_month_over_month_trends_and_worst_widgets() -> None:
    sep = datetime(2026, 9, 15, tzinfo=UTC)
    records = [
        Record(recorded_at=sep, branch="main", bundles=_bundle(200_000, chat=120_000)),
        Record(
            recorded_at=UTC_OCT + timedelta(days=3), branch="main", bundles=_bundle(205_000, 90_000)
        ),
        Record(
            recorded_at=UTC_OCT + timedelta(days=9), branch="main", bundles=_bundle(245_000, 95_000)
        ),
    ]
    report = build_report(
        ReportInput(
            policy=Policy(), period=month_period("2026-10", "UTC", NOV), now=NOV, records=records
        )
    )
    assert report.trends is not None
    t = {r.id: r for r in report.trends.slos}
    # largest widget: September 200,000; October P95 of (205,000, 245,000) = the 2nd = 245,000
    assert (t["widget-bundle-size"].previous, t["widget-bundle-size"].current) == (200_000, 245_000)
    assert t["widget-bundle-size"].change == 45_000
    assert t["widget-bundle-size"].direction == "worse"
    assert t["mcp-availability"].direction == "no-data"
    worst = report.trends.worst_widgets
    assert [w.name for w in worst] == ["gallery", "chat"]
    assert worst[0].share_of_limit == pytest.approx(0.98)  # 245,000 of 250,000
    assert worst[0].change == 40_000


def test_budget_pause_raises_a_critical_alert() -> None:
    # 30 days ending 1 November, 1 request a minute = 43,200; budget 0.5 % = 216 bad allowed.
    # 180 bad (3 hours of outage 10 days ago) = 83.3 % consumed: pause (>= 75 %), no rollback.
    outage = datetime(2026, 10, 20, 9, tzinfo=UTC)
    bad = {_s(outage) + 60 * k for k in range(180)}
    series = _minutes_series(NOV - timedelta(days=30), NOV, bad)
    m = _server(series, NOV - timedelta(days=30), NOV)
    report = build_report(
        ReportInput(
            policy=Policy(budget=BudgetPolicy()),
            period=month_period("2026-10", "UTC", NOV),
            now=NOV,
            server=ServerInput(period=m, budget=m),
        )
    )
    avail = next(b for b in report.budgets if b.slo_id == "mcp-availability")
    assert avail.state == "pause"
    assert avail.budget is not None
    assert avail.budget.consumed == pytest.approx(180 / 216)
    names = {(a.slo_id, a.name, a.severity) for a in report.alerts}
    assert ("mcp-availability", "pause", "critical") in names
    missing = next(b for b in report.budgets if b.slo_id == "ci-pass-rate")
    assert missing.state == "no-data"
