"""The monthly SLO report as pure data (SLOS.md "Monthly SLO Report").

The builder (``report.build``) fills these models from history records, server measurements,
CI runs and incident issues; the renderers (``render.report_markdown``, ``render.report_html``)
only format them, and ``--json`` is ``Report.model_dump_json``. Every number a renderer shows is
here, with the n it was computed from, so a reader can check it by hand.

Times are aware datetimes; ``period`` boundaries are in the policy's time zone (calendar
months), everything else is UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_gate.measurements import Problem
from slo_gate.slos import SloId
from slo_gate.verdict import Budget, Status

Direction = Literal["better", "worse", "same", "no-data"]
ReviewState = Literal["linked", "late", "missing", "pending"]
Severity = Literal["warning", "critical"]


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_M):
    """What the report covers: a calendar month in ``timezone`` or a rolling window.

    ``start``, ``end`` and ``as_of`` are stored in UTC (Python subtracts two datetimes of one
    zone in wall-clock time, which is an hour off across a DST change); ``timezone`` says how
    to show them and where calendar days begin.
    """

    kind: Literal["month", "window"]
    label: str = Field(description="'2026-10' for a month, '30d to 2026-11-01' for a window")
    start: datetime
    end: datetime = Field(description="exclusive")
    timezone: str
    as_of: datetime = Field(description="min(now, end): the moment budgets are computed at")

    @property
    def seconds(self) -> float:
        return self.end.timestamp() - self.start.timestamp()


class SourceCoverage(_M):
    """How much of the period one data source covers (days with at least one data point)."""

    source: str = Field(description="'history records', 'server logs', 'CI runs'")
    samples: int
    first: datetime | None = None
    last: datetime | None = None
    days_with_data: int = 0
    days: int = Field(description="calendar days of the period elapsed at as_of")
    note: str = ""


class Coverage(_M):
    """A partial month says how much is covered (the month is not over, or data is missing)."""

    elapsed_share: float = Field(description="share of the period elapsed at as_of (0..1)")
    partial: bool
    sources: list[SourceCoverage] = Field(default_factory=list)
    note: str = ""


class SloPerformance(_M):
    """One SLO over the period: the value the Alerting table is checked against, with its n."""

    id: SloId
    title: str
    unit: Literal["%", "ms", "s", "bytes"]
    value: float | None
    target: float | None = Field(None, description="the critical threshold of the SLO table")
    warning: float | None = None
    comparison: Literal["<=", ">="]
    status: Status
    samples: int = 0
    detail: str = ""


class DailyPoint(_M):
    """A value for one calendar day of the period (policy time zone); None without data."""

    day: str = Field(description="YYYY-MM-DD")
    value: float | None
    samples: int = 0


class BuildTimeStats(_M):
    n: int
    median_s: float | None
    p95_s: float | None
    max_s: float | None
    within: int = Field(0, description="builds at or under the critical limit")
    limit_s: float | None = None


class LatencyStats(_M):
    location: str
    n: int
    p95_ms: float | None
    within: int = Field(description="requests at or under the limit")
    valid: int = Field(0, description="requests the within-limit share is counted over")
    limit_ms: float | None
    daily_within: list[DailyPoint] = Field(
        default_factory=list, description="share of requests within the limit per day, in %"
    )


class SizeTrend(_M):
    """A widget's (or the total's) size over the period, in the bytes budgets limit."""

    name: str
    first: int | None
    last: int | None
    min: int | None
    max: int | None
    change: int | None = Field(description="last − first")
    change_pct: float | None
    limit: int | None = Field(description="the critical limit (per widget or total)")
    headroom: int | None = Field(description="limit − last")
    status: Status
    samples: int
    daily: list[DailyPoint] = Field(default_factory=list)


class BundleTrends(_M):
    compression: Literal["gzip", "brotli"]
    widgets: list[SizeTrend] = Field(default_factory=list)
    total: SizeTrend | None = None


class PassRate(_M):
    passed: int
    failed: int
    rate: float | None = Field(description="passed / (passed + failed), as a fraction")
    flaky: int = 0
    excluded: dict[str, int] = Field(default_factory=dict)
    daily: list[DailyPoint] = Field(default_factory=list, description="pass rate per day, %")


class Performance(_M):
    slos: list[SloPerformance] = Field(default_factory=list)
    availability_daily: list[DailyPoint] = Field(default_factory=list)
    latency: list[LatencyStats] = Field(default_factory=list)
    build_time: BuildTimeStats | None = None
    bundles: BundleTrends | None = None
    ci: PassRate | None = None
    visual: PassRate | None = None


class BudgetStatus(_M):
    """The error budget of one ratio SLO at ``as_of`` over the policy's rolling window."""

    slo_id: SloId
    title: str
    budget: Budget | None
    state: Literal["ok", "pause", "rollback", "insufficient-data", "no-data"]
    note: str = ""
    daily_remaining: list[DailyPoint] = Field(
        default_factory=list,
        description="the burn-down: % of the budget left at the end of each day of the window",
    )


class DataIncident(_M):
    """An SLO-violating period found in the data (see ``report.build.INCIDENT_RULES``)."""

    slo_id: SloId
    start: datetime
    end: datetime
    bad: int
    valid: int
    budget_consumed: float = Field(
        description="bad / (B · valid events of the period): share of the period's budget"
    )
    rule: str


class IssueComment(_M):
    author: str
    created_at: datetime
    body: str


class IncidentIssueData(_M):
    """An issue as read from GitHub (plain data; the builder parses it)."""

    number: int
    title: str
    url: str = ""
    author: str = ""
    state: str = "open"
    opened_at: datetime
    closed_at: datetime | None = None
    labels: list[str] = Field(default_factory=list)
    body: str = ""
    comments: list[IssueComment] = Field(default_factory=list)


class IncidentIssue(_M):
    """An incident issue of the period with its parsed sections and review state."""

    number: int
    title: str
    url: str
    opened_at: datetime
    closed_at: datetime | None
    root_cause: str | None
    remediation: str | None
    review: ReviewState
    review_link: str | None = None
    review_at: datetime | None = None
    flagged: bool = Field(description="no post-incident review linked within 48 hours")


class Incidents(_M):
    found: list[DataIncident] = Field(default_factory=list)
    issues: list[IncidentIssue] = Field(default_factory=list)
    issues_read: bool = Field(False, description="False: GitHub issues were not read (see note)")
    note: str = ""


class Trend(_M):
    """Month-over-month change of one SLO."""

    id: SloId
    title: str
    unit: str
    previous: float | None
    current: float | None
    change: float | None
    direction: Direction


class WorstWidget(_M):
    name: str
    last: int
    limit: int | None
    share_of_limit: float | None
    change: int | None


class Trends(_M):
    previous_label: str
    slos: list[Trend] = Field(default_factory=list)
    worst_widgets: list[WorstWidget] = Field(default_factory=list)


class Alert(_M):
    """One firing alert of one SLO (the alert issues are built from these)."""

    slo_id: SloId
    name: str = Field(description="'policy', 'page-fast', 'page-slow', 'pause', 'rollback', ...")
    severity: Severity
    message: str


class Report(_M):
    schema_version: Literal[1] = 1
    generated_at: datetime
    period: Period
    coverage: Coverage
    performance: Performance
    budgets: list[BudgetStatus] = Field(default_factory=list)
    incidents: Incidents = Incidents()
    trends: Trends | None = None
    alerts: list[Alert] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
