"""The policy file: pydantic models whose defaults are the built-in policy's numbers.

Sources are opt-in: a source (``bundles``, ``build_time``, ``tests``, ``ci``, ``server``) is
measured only when the policy file has its section (``bundles: {}`` turns bundles on with the
built-in thresholds; see ``Policy.has_section``) or the command line gives its inputs. What a
section leaves out comes from these defaults. Unknown keys are refused (and the loader suggests
the nearest known key).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from slo_gate.config.units import WRITTEN, BuildDuration, ByteSize, Duration, Ratio, Seconds, Window
from slo_gate.globs import check_glob

DAY = 86400.0


def _policy_glob(pattern: str, info: ValidationInfo) -> str:
    """A policy file's glob must be usable; models built in Python leave it to the collectors."""
    context = info.context
    if isinstance(context, dict) and context.get(WRITTEN):
        return check_glob(pattern)
    return pattern


#: a glob in the README's syntax (``*``, ``**``, ``?``, ``[a-z]``, ``{a,b}``); a bad one is refused
Glob = Annotated[str, AfterValidator(_policy_glob)]

#: the sections that turn a source on
SourceName = Literal["bundles", "build_time", "tests", "ci", "server"]
SOURCES: tuple[SourceName, ...] = get_args(SourceName)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AlertPolicy(_Model):
    """ "Alert when 50 % burned in 7 days": bad(within) / (B * valid(window)) >= consumed."""

    consumed: Ratio = Field(
        0.5, description="alert when this share of the window's budget burns within `within`"
    )
    within: Window = Field(7 * DAY, description="the recent period of the alert (e.g. 7d)")


class BudgetPolicy(_Model):
    """The error-budget policy shared by every ratio SLO."""

    window: Window = Field(30 * DAY, description="rolling window of every error budget (1d – 90d)")
    alert: AlertPolicy = Field(
        AlertPolicy(), description="fast-burn alert: a share of the budget burned within a period"
    )
    pause: Ratio = Field(0.75, description="pause releases when this share of a budget is consumed")
    rollback: Ratio = Field(1.0, description="ask for a rollback at this share consumed")
    min_events: int = Field(20, ge=0, description="below this a window reports insufficient data")


class SizeThresholds(_Model):
    """Upper limits on a size: above ``warning`` warns, above ``critical`` fails."""

    warning: ByteSize | None = Field(
        None, description="warn above this size (bytes, or with a unit: 240 KB, 250 KiB)"
    )
    critical: ByteSize | None = Field(
        None, description="fail above this size (bytes, or with a unit: 250 KB, 1 MB)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> SizeThresholds:
        if self.warning is not None and self.critical is not None and self.warning > self.critical:
            raise ValueError("warning must not be larger than critical")
        return self


class DurationThresholds(_Model):
    """Upper limits on a duration: above ``warning`` warns, above ``critical`` fails."""

    warning: BuildDuration | None = Field(
        None, description="warn above this duration (with a unit: 4 min, 240 s)"
    )
    critical: BuildDuration | None = Field(
        None, description="fail above this duration (with a unit: 5 min, 300 s)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> DurationThresholds:
        if self.warning is not None and self.critical is not None and self.warning > self.critical:
            raise ValueError("warning must not be longer than critical")
        return self


class LatencyThresholds(DurationThresholds):
    """Upper limits on a latency: above ``warning`` warns, above ``critical`` fails."""

    warning: Duration | None = Field(
        None, description="warn above this latency (with a unit: 400 ms, 1.2 s)"
    )
    critical: Duration | None = Field(
        None, description="fail above this latency (with a unit: 500 ms, 1.5 s)"
    )


class RatioThresholds(_Model):
    """Lower limits on a pass rate: below ``warning`` warns, below ``critical`` fails."""

    warning: Ratio | None = Field(None, description="warn below this rate (e.g. 97%)")
    critical: Ratio | None = Field(None, description="fail below this rate (e.g. 95%)")
    window: Window = Field(30 * DAY, description="the rate is measured over this window")

    @model_validator(mode="after")
    def _ordered(self) -> RatioThresholds:
        if self.warning is not None and self.critical is not None and self.warning < self.critical:
            raise ValueError("warning must not be lower than critical")
        return self


class WidgetSource(_Model):
    """How widgets are found: exactly one of ``html``, ``vite_manifest`` or ``glob``."""

    html: Glob | None = Field(None, description="glob of HTML entries, one widget each")
    vite_manifest: str | None = Field(None, description="path of a Vite manifest under the root")
    glob: Glob | None = Field(None, description="glob of files, each one a widget")

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
    """Bundle sizes of the built widgets (gzip and brotli are both measured)."""

    root: str = Field("dist", description="the build output folder, relative to the workspace")
    base: str = Field("/", description="public base path that '/'-references start with")
    widgets: WidgetSource = Field(
        WidgetSource(html="**/index.html"),
        description="how widgets are found: {html: glob}, {vite_manifest: path} or {glob: glob}",
    )
    compression: Literal["gzip", "brotli"] = Field(
        "gzip", description="which compressed size the budgets limit"
    )
    per_widget: SizeThresholds = Field(
        SizeThresholds(warning=240_000, critical=250_000),
        description="limits on each widget's size (its entry and every file it loads)",
    )
    total: SizeThresholds = Field(
        SizeThresholds(critical=1_000_000),
        description="limits on the total: every unique file of all widgets, counted once",
    )
    on_missing: Literal["fail", "warn"] = Field(
        "fail", description="a widget that vanished or a pattern that matched nothing"
    )
    dynamic_imports: bool = Field(False, description="count dynamic import() targets too")


class BuildTimeSource(_Model):
    """Where build durations come from: a workflow step, a number, or a JSON file."""

    workflow: str | None = Field(
        None, description="workflow file name (ci.yml) whose runs time the build"
    )
    job: Glob | None = Field(None, description="job name or glob in that workflow (build*)")
    step: Glob | None = Field(None, description="step name in that job (Build widgets)")
    seconds: Seconds | None = Field(None, description="this build's duration, given directly")
    file: str | None = Field(None, description="JSON file that holds the build's duration")

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
    """Widget build time: the share of builds within the P95 limit."""

    from_: BuildTimeSource | None = Field(
        None, alias="from", description="where build durations come from"
    )
    p95: DurationThresholds = Field(
        DurationThresholds(warning=240.0, critical=300.0),
        description="limits on the 95th percentile of build durations",
    )
    window: Window = Field(30 * DAY, description="builds within this window count")
    backfill_budget: Ratio = Field(
        0.10,
        description="share of the hourly GitHub API request limit one run may spend reading "
        "past builds' jobs (newest first); later runs read the rest",
    )


class VisualSelector(_Model):
    """Which tests are visual tests (besides those that compare screenshots)."""

    paths: list[Glob] = Field(
        default_factory=list, description="globs of test files whose tests are visual"
    )
    tags: list[str] = Field(
        default_factory=lambda: ["@visual"],
        description="tags of visual tests (@visual and visual both match)",
    )


class TestsPolicy(_Model):
    """Test reports of this run (JUnit XML, Playwright JSON) and the visual pass rate."""

    __test__ = False  # not a pytest class

    junit: list[Glob] = Field(default_factory=list, description="globs of JUnit XML reports")
    playwright: list[Glob] = Field(
        default_factory=list, description="globs of Playwright JSON reports"
    )
    visual: VisualSelector = Field(VisualSelector(), description="which tests are visual tests")
    fail_on_failures: bool = Field(True, description="fail the gate when a test of this run failed")
    junit_retries: Literal["separate", "repeated-cases"] = Field(
        "separate",
        description="repeated JUnit test cases: separate runs, or retries of one test",
    )
    huge_tree: ByteSize | None = Field(
        None, description="allow lxml's huge-tree mode for report files up to this size"
    )
    visual_pass_rate: RatioThresholds = Field(
        RatioThresholds(warning=0.97, critical=0.95),
        description="limits on the pass rate of visual tests over the window",
    )


class CiPolicy(_Model):
    """CI pass rate from the GitHub workflow runs of the listed workflows and branches."""

    workflows: list[str] = Field(
        default_factory=list, description="workflow file names (ci.yml) whose runs count"
    )
    branches: list[str] = Field(
        default_factory=lambda: ["main"], description="branches whose runs count"
    )
    events: list[str] = Field(default_factory=list, description="listing filter; empty: all")
    attempts: Literal["final", "first"] = Field(
        "final", description="which attempt of a re-run counts: the final or the first"
    )
    pass_rate: RatioThresholds = Field(
        RatioThresholds(warning=0.97, critical=0.95, window=7 * DAY),
        description="limits on the CI pass rate over the window",
    )


class LogFields(_Model):
    """Names of the fields (JSON keys or CSV columns) in the server logs."""

    timestamp: str = Field("ts", description="field of the request's time")
    ok: str = Field("ok", description="field that says whether the request succeeded")
    latency_ms: str = Field("latency_ms", description="field of the request's latency")
    location: str = Field("location", description="field of the caller: local or remote")


class LatencyTarget(_Model):
    """A latency objective: at least 95 % of requests within the P95 limit."""

    p95: LatencyThresholds = Field(description="limits on the 95th percentile latency")


class LatencyPolicy(_Model):
    """Latency objectives of local and remote callers."""

    local: LatencyTarget = Field(
        LatencyTarget(p95=LatencyThresholds(warning=0.4, critical=0.5)),
        description="latency objective of local callers",
    )
    remote: LatencyTarget = Field(
        LatencyTarget(p95=LatencyThresholds(warning=1.2, critical=1.5)),
        description="latency objective of remote callers",
    )


class ServerPolicy(_Model):
    """Availability and latency of the server, from its request logs (JSON lines or CSV)."""

    logs: list[Glob] = Field(default_factory=list, description="globs of request logs")
    fields: LogFields = Field(LogFields(), description="names of the fields in the logs")
    format: Literal["auto", "jsonl", "csv"] = Field(
        "auto", description="log format; auto: from the file name and content"
    )
    timestamp_unit: Literal["auto", "iso", "s", "ms"] = Field(
        "auto", description="timestamps: ISO 8601 text, or epoch seconds or milliseconds"
    )
    latency_unit: Literal["ms", "s"] = Field("ms", description="unit of the latency field")
    ok_values: list[str] | None = Field(None, description="result words that mean success")
    bad_values: list[str] | None = Field(None, description="result words that mean failure")
    bad_status_from: int = Field(500, description="HTTP statuses from this one up are failures")
    location_default: Literal["local", "remote"] | None = Field(
        None, description="location of requests without the location field"
    )
    locations: dict[Glob, Literal["local", "remote"]] = Field(
        default_factory=dict, description="log-file glob -> location, for files without the field"
    )
    max_bad_share: Ratio = Field(0.01, description="more bad lines than this: the SLO has no data")
    availability: RatioThresholds = Field(
        RatioThresholds(warning=0.998, critical=0.995),
        description="limits on availability: good requests / valid requests",
    )
    latency: LatencyPolicy = Field(
        LatencyPolicy(), description="latency objectives of local and remote callers"
    )


class ReleasePolicy(_Model):
    """The release gate: its commit status and the labels that override it, audited."""

    status_context: str = Field(
        "slo-gate/release", description="context of the release commit status"
    )
    override_label: str = Field(
        "slo-gate/override-freeze", description="PR label that lifts a release pause"
    )
    accept_increase_label: str = Field(
        "slo-gate/accept-increase",
        description="PR label that turns a bundle-budget failure into a warning",
    )


class HistoryPolicy(_Model):
    """Where the records of past checks are kept."""

    store: Literal["file", "github-branch"] = Field(
        "file", description="a local JSON-lines file, or a data branch through the GitHub API"
    )
    branch: str = Field("slo-gate-data", description="the data branch (store: github-branch)")
    file: str = Field(".slo-gate/history.jsonl", description="the history file (store: file)")
    on_api_error: Literal["warn", "fail"] = Field(
        "warn", description="GitHub unavailable or refusing: warn, or fail the gate"
    )
    seed: str | None = Field(
        None, description="read-only records read before the file (an embedded default history)"
    )


class Policy(_Model):
    """The whole policy file (``.github/slo-gate.yml``)."""

    version: Literal[1] = Field(1, description="version of the policy format: 1")
    timezone: str = Field("UTC", description="time zone of calendar months in reports (IANA)")
    budget: BudgetPolicy = Field(
        BudgetPolicy(), description="the error-budget policy of every ratio SLO"
    )
    bundles: BundlesPolicy = Field(
        BundlesPolicy(), description="bundle sizes of the built widgets (section turns it on)"
    )
    build_time: BuildTimePolicy = Field(
        BuildTimePolicy(), description="widget build time (section turns it on)"
    )
    tests: TestsPolicy = Field(
        TestsPolicy(), description="test reports and the visual pass rate (section turns it on)"
    )
    ci: CiPolicy = Field(CiPolicy(), description="CI pass rate (section turns it on)")
    server: ServerPolicy = Field(
        ServerPolicy(), description="server availability and latency (section turns it on)"
    )
    release: ReleasePolicy = Field(
        ReleasePolicy(), description="release status context and override labels"
    )
    history: HistoryPolicy = Field(HistoryPolicy(), description="where history is kept")

    def has_section(self, name: SourceName) -> bool:
        """Whether the policy file names this source's section (which turns the source on)."""
        return name in self.model_fields_set

    @property
    def sections(self) -> tuple[SourceName, ...]:
        """The sources the policy file turns on, in the policy's order."""
        return tuple(name for name in SOURCES if self.has_section(name))


def default_policy() -> Policy:
    """The built-in policy's thresholds, with no source turned on."""
    return Policy()
