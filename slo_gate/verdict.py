"""The verdict: one immutable result of a gate run, and the JSON contract other tools read.

The keys listed in DESIGN.md ("Contracts other tools rely on") keep their meaning; more may be
added. ``slo-gate schema verdict`` prints the JSON Schema of ``Verdict``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_gate.measurements import Problem, TestCounts, TestFailure
from slo_gate.slos import SloId

Decision = Literal["pass", "warn", "fail", "pause", "rollback"]
Status = Literal["pass", "warn", "fail", "no-data"]
ReleaseState = Literal["open", "paused", "rollback"]

# pass < warn < pause < rollback < fail (DESIGN.md)
DECISION_ORDER: tuple[Decision, ...] = ("pass", "warn", "pause", "rollback", "fail")
STATUS_ORDER: tuple[Status, ...] = ("no-data", "pass", "warn", "fail")


def worst_decision(decisions: list[Decision]) -> Decision:
    return max(decisions, key=DECISION_ORDER.index, default="pass")


def worst_status(statuses: list[Status]) -> Status:
    return max(statuses, key=STATUS_ORDER.index, default="pass")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BurnAlert(_Out):
    """A burn-rate alert that fired (or the policy's "50 % in 7 days")."""

    name: str = Field(description="e.g. 'page-fast', 'page-slow', 'ticket-fast', 'policy'")
    severity: Literal["page", "ticket", "warning", "critical"]
    message: str


class Budget(_Out):
    consumed: float = Field(description="share of the error budget consumed (1.0 = all)")
    remaining: float = Field(description="share of the error budget left, never below 0")
    burn_rate: float | None = Field(description="recent error ratio / budget")
    time_to_exhaustion_s: float | None = None
    target: float | None = Field(None, description="the SLO target as a fraction")
    window_s: float | None = None
    valid: int = Field(0, description="valid events in the budget window")
    bad: int = Field(0, description="bad events in the budget window")
    allowed_bad: float | None = Field(None, description="(1 - target) * valid")
    burn_rates: dict[str, float | None] = Field(
        default_factory=dict, description="burn rate per window, e.g. {'1h': 0.4, '30d': 1.1}"
    )
    alerts: list[BurnAlert] = Field(default_factory=list)
    insufficient_data: bool = False


class HistoryStat(_Out):
    """A percentile over past records, always with its n."""

    percentile: float
    value: float | None
    samples: int
    window_s: float


class SlowHour(_Out):
    """A 1-hour window in which more than 10 % of the requests were slower than the target."""

    start: datetime
    end: datetime
    slow: int
    requests: int

    @property
    def share(self) -> float:
        return self.slow / self.requests


class SlowPeriod(_Out):
    """Overlapping slow hours merged: the span they cover and the worst hour inside it."""

    start: datetime
    end: datetime
    worst: SlowHour


class Slo(_Out):
    id: SloId
    title: str = ""
    status: Status
    value: float | None
    unit: str
    target: float | None
    warning: float | None = None
    comparison: Literal["<=", ">="] = "<="
    samples: int = 0
    window: str = Field("this run", description="'this run' or a duration such as '30d'")
    budget: Budget | None = None
    history: HistoryStat | None = None
    slow_periods: list[SlowPeriod] = Field(
        default_factory=list, description="hours with > 10 % of requests slower than the target"
    )
    detail: str = ""


class Override(_Out):
    """Who lifted a release pause, why and when: recorded even when refused."""

    kind: Literal["release-freeze", "accept-increase"] = "release-freeze"
    by: str = Field(description="the person or token that applied it, e.g. a GitHub login")
    reason: str
    at: datetime
    source: Literal["cli", "label"] = "cli"
    applied: bool = Field(
        True, description="False when refused (a rollback is never overridden): still recorded"
    )


class Release(_Out):
    state: ReleaseState = "open"
    reason: str = ""


class CompressionOut(_Out):
    gzip_level: int
    brotli_quality: int
    brotli_window: int
    zlib_version: str
    brotli_version: str


class SizeDelta(_Out):
    raw: int
    gzip: int
    brotli: int


class Sizes(_Out):
    raw: int
    gzip: int
    brotli: int


class FileMove(_Out):
    """A file that moved a widget's size: changed, added (no before) or removed (no after)."""

    path: str
    gzip_before: int | None
    gzip_after: int | None


class WidgetOut(_Out):
    name: str
    entry: str
    files: list[str]
    raw: int
    gzip: int
    brotli: int
    status: Status
    delta: SizeDelta | None = None
    new: bool = False
    own: Sizes | None = Field(None, description="files only this widget loads")
    shared: Sizes | None = Field(None, description="files other widgets load too")
    moved_by: list[FileMove] = Field(
        default_factory=list, description="files of this widget that changed against the baseline"
    )


class FileOut(_Out):
    """One emitted file, measured once, with the widgets that load it."""

    path: str
    raw: int
    gzip: int
    brotli: int
    widgets: list[str]


class AdviceStep(_Out):
    reduce_gzip_by: int = Field(description="bytes to cut from the file (in the limited size)")
    would_clear: int = Field(description="over-limit widgets at or under the limit after the cut")


class Advice(_Out):
    """A file loaded by widgets over their limit, and what cutting it would clear."""

    path: str
    gzip: int = Field(description="the file's own size in the bytes the budget limits")
    widgets: list[str] = Field(description="the over-limit widgets that load it")
    steps: list[AdviceStep]


class BaselineRef(_Out):
    commit: str
    branch: str | None


class ChangedFile(_Out):
    path: str
    gzip_before: int
    gzip_after: int


class Changes(_Out):
    """What changed against the baseline, files matched by their hash-normalised names."""

    baseline: BaselineRef
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[ChangedFile] = Field(default_factory=list)


class TotalOut(_Out):
    raw: int
    gzip: int
    brotli: int
    status: Status
    files: int = 0
    delta: SizeDelta | None = None


class Baseline(_Out):
    commit: str
    branch: str | None
    recorded_at: datetime
    how: str = Field(description="why this record: 'last record of branch main', '--baseline'")


class BundlesOut(_Out):
    compression: CompressionOut
    limited_by: Literal["gzip", "brotli"]
    mode: Literal["html", "vite_manifest", "glob"] | None = Field(
        None,
        description="html: each entry and the JS/CSS it loads; vite_manifest: each entry's JS "
        "and CSS from the manifest (HTML not counted); glob: each matched file",
    )
    widgets: list[WidgetOut]
    total: TotalOut
    removed: list[str] = Field(default_factory=list, description="widgets in the baseline only")
    baseline: Baseline | None = None
    cached_files: int = 0
    files: list[FileOut] = Field(default_factory=list, description="each unique file once")
    advice: list[Advice] = Field(default_factory=list)
    changes: Changes | None = Field(
        None, description="against the baseline; None without a baseline with per-file records"
    )


class VisualOut(_Out):
    total: int
    passed: int
    failed: int
    flaky: int
    skipped: int
    pass_rate: float | None


class TestsOut(_Out):
    __test__ = False

    total: int
    passed: int
    failed: int
    errored: int
    skipped: int
    flaky: int
    by_project: dict[str, TestCounts]
    visual: VisualOut
    failures: list[TestFailure]


class Verdict(_Out):
    schema_version: Literal[1] = 1
    decision: Decision
    release: Release = Release()
    evaluated_at: datetime
    commit: str | None = None
    branch: str | None = None
    mode: Literal["pr", "release"] = "pr"
    slos: list[Slo] = Field(default_factory=list)
    bundles: BundlesOut | None = None
    tests: TestsOut | None = None
    problems: list[Problem] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="why the decision, one line each")
    overrides: list[Override] = Field(default_factory=list, description="audited overrides")

    @property
    def slo_map(self) -> dict[SloId, Slo]:
        return {s.id: s for s in self.slos}
