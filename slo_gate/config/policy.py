"""The policy file: pydantic models whose defaults are the SLO document's numbers.

Everything is optional; what a policy file leaves out comes from these defaults, so an empty
policy (or none at all) is the built-in default policy of ``shared/slo-policy/SLOS.md``.
Unknown keys are refused (and the loader suggests the nearest known key).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from slo_gate.config.units import ByteSize, Duration, Ratio

DAY = 86400.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AlertPolicy(_Model):
    """ "Alert when 50 % burned in 7 days": bad(within) / (B * valid(window)) >= consumed."""

    consumed: Ratio = 0.5
    within: Duration = 7 * DAY


class BudgetPolicy(_Model):
    """The error-budget policy shared by every ratio SLO."""

    window: Duration = Field(30 * DAY, description="rolling window of every error budget")
    alert: AlertPolicy = AlertPolicy()
    pause: Ratio = Field(0.75, description="pause releases when this share of a budget is consumed")
    rollback: Ratio = Field(1.0, description="ask for a rollback at this share consumed")
    min_events: int = Field(20, ge=0, description="below this a window reports insufficient data")


class SizeThresholds(_Model):
    """Upper limits on a size: above ``warning`` warns, above ``critical`` fails."""

    warning: ByteSize | None = None
    critical: ByteSize | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SizeThresholds:
        if self.warning is not None and self.critical is not None and self.warning > self.critical:
            raise ValueError("warning must not be larger than critical")
        return self


class DurationThresholds(_Model):
    """Upper limits on a duration: above ``warning`` warns, above ``critical`` fails."""

    warning: Duration | None = None
    critical: Duration | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DurationThresholds:
        if self.warning is not None and self.critical is not None and self.warning > self.critical:
            raise ValueError("warning must not be longer than critical")
        return self


class RatioThresholds(_Model):
    """Lower limits on a pass rate: below ``warning`` warns, below ``critical`` fails."""

    warning: Ratio | None = None
    critical: Ratio | None = None
    window: Duration = 30 * DAY

    @model_validator(mode="after")
    def _ordered(self) -> RatioThresholds:
        if self.warning is not None and self.critical is not None and self.warning < self.critical:
            raise ValueError("warning must not be lower than critical")
        return self


class WidgetSource(_Model):
    """How widgets are found: exactly one of ``html``, ``vite_manifest`` or ``glob``."""

    html: str | None = Field(None, description="glob of HTML entries, one widget each")
    vite_manifest: str | None = Field(None, description="path of a Vite manifest under the root")
    glob: str | None = Field(None, description="glob of files, each one a widget")

    @model_validator(mode="after")
    def _exactly_one(self) -> WidgetSource:
        chosen = [k for k in ("html", "vite_manifest", "glob") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError("set exactly one of html, vite_manifest or glob")
        return self

    @property
    def mode(self) -> Literal["html", "vite_manifest", "glob"]:
        if self.html is not None:
            return "html"
        if self.vite_manifest is not None:
            return "vite_manifest"
        return "glob"

    @property
    def pattern(self) -> str:
        return self.html or self.vite_manifest or self.glob or ""


class BundlesPolicy(_Model):
    root: str = Field("dist", description="the build output folder, relative to the workspace")
    base: str = Field("/", description="public base path that '/'-references start with")
    widgets: WidgetSource = WidgetSource(html="**/index.html")
    compression: Literal["gzip", "brotli"] = "gzip"
    per_widget: SizeThresholds = SizeThresholds(warning=240_000, critical=250_000)
    total: SizeThresholds = SizeThresholds(critical=1_000_000)
    on_missing: Literal["fail", "warn"] = "fail"
    dynamic_imports: bool = Field(False, description="count dynamic import() targets too")


class BuildTimeSource(_Model):
    """Where build durations come from: a workflow step, a number, or a JSON file."""

    workflow: str | None = None
    job: str | None = None
    step: str | None = None
    seconds: Duration | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BuildTimeSource:
        kinds = [
            self.workflow is not None or self.job is not None or self.step is not None,
            self.seconds is not None,
            self.file is not None,
        ]
        if sum(kinds) > 1:
            raise ValueError("use one of {workflow, job, step}, {seconds} or {file}")
        return self


class BuildTimePolicy(_Model):
    from_: BuildTimeSource | None = Field(None, alias="from")
    p95: DurationThresholds = DurationThresholds(warning=240.0, critical=300.0)
    window: Duration = 30 * DAY


class VisualSelector(_Model):
    paths: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=lambda: ["@visual"])


class TestsPolicy(_Model):
    __test__ = False  # not a pytest class

    junit: list[str] = Field(default_factory=list)
    playwright: list[str] = Field(default_factory=list)
    visual: VisualSelector = VisualSelector()
    fail_on_failures: bool = True
    junit_retries: Literal["separate", "repeated-cases"] = "separate"
    huge_tree: ByteSize | None = Field(
        None, description="allow lxml's huge-tree mode for report files up to this size"
    )
    visual_pass_rate: RatioThresholds = RatioThresholds(warning=0.97, critical=0.95)


class CiPolicy(_Model):
    workflows: list[str] = Field(default_factory=list)
    branches: list[str] = Field(default_factory=lambda: ["main"])
    events: list[str] = Field(default_factory=list, description="listing filter; empty: all")
    attempts: Literal["final", "first"] = "final"
    pass_rate: RatioThresholds = RatioThresholds(warning=0.97, critical=0.95, window=7 * DAY)


class LogFields(_Model):
    timestamp: str = "ts"
    ok: str = "ok"
    latency_ms: str = "latency_ms"
    location: str = "location"


class LatencyTarget(_Model):
    p95: DurationThresholds


class LatencyPolicy(_Model):
    local: LatencyTarget = LatencyTarget(p95=DurationThresholds(warning=0.4, critical=0.5))
    remote: LatencyTarget = LatencyTarget(p95=DurationThresholds(warning=1.2, critical=1.5))


class ServerPolicy(_Model):
    logs: list[str] = Field(default_factory=list)
    fields: LogFields = LogFields()
    format: Literal["auto", "jsonl", "csv"] = "auto"
    timestamp_unit: Literal["auto", "iso", "s", "ms"] = "auto"
    latency_unit: Literal["ms", "s"] = "ms"
    ok_values: list[str] | None = Field(None, description="result words that mean success")
    bad_values: list[str] | None = Field(None, description="result words that mean failure")
    bad_status_from: int = Field(500, description="HTTP statuses from this one up are failures")
    location_default: Literal["local", "remote"] | None = None
    locations: dict[str, Literal["local", "remote"]] = Field(
        default_factory=dict, description="log-file glob -> location, for files without the field"
    )
    max_bad_share: Ratio = Field(0.01, description="more bad lines than this: the SLO has no data")
    availability: RatioThresholds = RatioThresholds(warning=0.998, critical=0.995)
    latency: LatencyPolicy = LatencyPolicy()


class ReleasePolicy(_Model):
    status_context: str = "slo-gate/release"
    override_label: str = "slo-gate/override-freeze"
    accept_increase_label: str = "slo-gate/accept-increase"


class HistoryPolicy(_Model):
    store: Literal["file", "github-branch"] = "file"
    branch: str = "slo-gate-data"
    file: str = ".slo-gate/history.jsonl"
    on_api_error: Literal["warn", "fail"] = Field(
        "warn", description="GitHub unavailable or refusing: warn, or fail the gate"
    )
    seed: str | None = Field(
        None, description="read-only records read before the file (an embedded default history)"
    )


class Policy(_Model):
    """The whole policy file (``.github/slo-gate.yml``)."""

    version: Literal[1] = 1
    timezone: str = "UTC"
    budget: BudgetPolicy = BudgetPolicy()
    bundles: BundlesPolicy = BundlesPolicy()
    build_time: BuildTimePolicy = BuildTimePolicy()
    tests: TestsPolicy = TestsPolicy()
    ci: CiPolicy = CiPolicy()
    server: ServerPolicy = ServerPolicy()
    release: ReleasePolicy = ReleasePolicy()
    history: HistoryPolicy = HistoryPolicy()


def default_policy() -> Policy:
    """The built-in default policy: the numbers of the SLO document."""
    return Policy()
