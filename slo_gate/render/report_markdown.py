"""The monthly SLO report as Markdown, with Mermaid ``xychart-beta`` charts (GitHub renders them).

Pure: a ``Report`` in, text out. The formatting helpers here are shared with the HTML renderer
so that both say the same numbers the same way. Untrusted text (widget names, issue titles and
sections, problem messages, links found in issue bodies) goes through ``render.escape``; charts
carry only numbers and day labels that slo-gate made, never user text.
"""

from __future__ import annotations

from slo_gate.formatting import UNIT_RULE, counted
from slo_gate.render.escape import md_code, md_table_cell, md_text
from slo_gate.render.report_format import (
    ICONS,
    MAX_SECTION_CELL,
    fmt_change,
    fmt_eta,
    fmt_number,
    fmt_share,
    fmt_time,
    mermaid_chart,
    period_title,
    safe_url,
    slo_limits,
)
from slo_gate.report_model import (
    BudgetStatus,
    DataIncident,
    IncidentIssue,
    Report,
    SizeTrend,
    SloPerformance,
    Trend,
)

# ----------------------------------------------------------------------------- sections


def _header(report: Report) -> list[str]:
    p = report.period
    c = report.coverage
    lines = [
        f"# SLO report: {period_title(report)}",
        "",
        f"Period {fmt_time(p.start, p.timezone)} to {fmt_time(p.end, p.timezone)} "
        f"(time zone {md_code(p.timezone)}); budgets as of {fmt_time(p.as_of, p.timezone)}; "
        f"generated {fmt_time(report.generated_at, 'UTC')}.",
        "",
    ]
    if c.partial:
        lines += ["> [!NOTE]", f"> Partial data: {md_text(c.note)}.", ""]
    return lines


def _summary(report: Report) -> list[str]:
    counts: dict[str, int] = {}
    for slo in report.performance.slos:
        counts[slo.status] = counts.get(slo.status, 0) + 1
    met = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    spent = [b for b in report.budgets if b.state in ("pause", "rollback")]
    lines = ["## Summary", "", f"- SLOs this period: {met}."]
    if spent:
        lines += [
            f"- Error budget {md_code(b.slo_id)}: {ICONS[b.state]} {b.state} "
            f"({fmt_share(b.budget.consumed if b.budget else None)} consumed)."
            for b in spent
        ]
    else:
        lines.append("- Every error budget is below the pause threshold.")
    found = len(report.incidents.found)
    issues = len(report.incidents.issues)
    flagged = sum(1 for i in report.incidents.issues if i.flagged)
    issue_text = (
        f"{counted(issues, 'incident issue')}, {flagged} without a review within 48 h"
        if report.incidents.issues_read
        else "incident issues not read"
    )
    lines.append(
        f"- Incidents: {counted(found, 'SLO-violating period')} found in the data; {issue_text}."
    )
    if report.alerts:
        lines.append(f"- Firing alerts: {len(report.alerts)} (see error budgets).")
    return [*lines, ""]


def _slo_row(slo: SloPerformance) -> str:
    return (
        f"| {md_code(slo.id, in_table=True)} | {ICONS[slo.status]} {slo.status} | "
        f"{fmt_number(slo.value, slo.unit)} | {slo_limits(slo)} | "
        f"{fmt_number(slo.warning, slo.unit)} | {slo.samples:,} | {md_table_cell(slo.detail)} |"
    )


def _performance(report: Report) -> list[str]:
    perf = report.performance
    lines = [
        "## 1. SLO performance",
        "",
        "| SLO | status | value | target | warning | n | detail |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
        *(_slo_row(s) for s in perf.slos),
        "",
    ]
    lines += _availability(report)
    lines += _latency(report)
    lines += _build_time(report)
    lines += _bundles(report)
    lines += _pass_rates(report)
    return lines


def _availability(report: Report) -> list[str]:
    daily = report.performance.availability_daily
    slo = next(s for s in report.performance.slos if s.id == "mcp-availability")
    lines = ["### Availability", ""]
    chart = mermaid_chart(
        "Availability per day (%)", "%", [daily], reference=slo.target, names=["availability"]
    )
    if not chart:
        return [*lines, f"No availability data: {md_text(slo.detail)}.", ""]
    worst = min((p for p in daily if p.value is not None), key=lambda p: p.value or 0.0)
    return [
        *lines,
        *chart,
        "",
        f"Worst day {worst.day}: {fmt_number(worst.value, '%')} of {worst.samples:,} requests.",
        "",
    ]


def _latency(report: Report) -> list[str]:
    stats = report.performance.latency
    lines = ["### Latency (P95 per location)", ""]
    if not stats:
        return [*lines, "No latency data.", ""]
    lines += [
        "| location | n | P95 | limit | within the limit |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for s in stats:
        share = None if s.valid == 0 else s.within / s.valid
        lines.append(
            f"| {md_table_cell(s.location)} | {s.n:,} | {fmt_number(s.p95_ms, 'ms')} | "
            f"{fmt_number(s.limit_ms, 'ms')} | {s.within:,} ({fmt_share(share, 2)}) |"
        )
    lines.append("")
    series = [s.daily_within for s in stats if s.daily_within]
    if series:
        names = [s.location for s in stats if s.daily_within]
        lines += mermaid_chart(
            "Requests within the latency limit per day (%)",
            "%",
            series,
            reference=95.0,
            names=names,
        )
        lines.append("")
    return lines


def _build_time(report: Report) -> list[str]:
    b = report.performance.build_time
    lines = ["### Build time", ""]
    if b is None:
        return [*lines, "No build time recorded in the period.", ""]
    return [
        *lines,
        "| n | median | P95 | max | within the limit |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {b.n:,} | {fmt_number(b.median_s, 's')} | {fmt_number(b.p95_s, 's')} | "
        f"{fmt_number(b.max_s, 's')} | {b.within:,} of {b.n:,} "
        f"(limit {fmt_number(b.limit_s, 's')}) |",
        "",
        "Percentiles are nearest-rank (the ⌈p·n⌉-th smallest).",
        "",
    ]


def _size_row(t: SizeTrend, name: str) -> str:
    pct = "–" if t.change_pct is None else f"{t.change_pct:+.2f} %"
    return (
        f"| {name} | {fmt_number(t.first, 'bytes')} | {fmt_number(t.last, 'bytes')} | "
        f"{fmt_change(t.change, 'bytes')} ({pct}) | {fmt_number(t.max, 'bytes')} | "
        f"{fmt_number(t.limit, 'bytes')} | {fmt_change(t.headroom, 'bytes')} | "
        f"{ICONS[t.status]} {t.status} |"
    )


#: a chart shows at most this many series, so that each colour names one
CHART_SERIES = 6


def _bundles(report: Report) -> list[str]:
    b = report.performance.bundles
    lines = ["### Bundle sizes", ""]
    if b is None:
        return [*lines, "No bundle sizes recorded in the period.", ""]
    lines += [
        f"Sizes are {b.compression} bytes; {UNIT_RULE}.",
        "",
        "| widget | first | last | change | max | limit | headroom | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *(_size_row(w, md_table_cell(w.name)) for w in b.widgets),
    ]
    if b.total is not None:
        lines.append(_size_row(b.total, "**total (unique files)**"))
        lines += [
            "",
            *mermaid_chart(
                f"All widgets per day (KB {b.compression})",
                "bytes",
                [b.total.daily],
                reference=b.total.limit,
                names=["all widgets, unique files"],
            ),
        ]
    if b.widgets:
        shown = sorted(b.widgets, key=lambda w: -(w.last or 0))[:CHART_SERIES]
        title = (
            "Each widget" if len(shown) == len(b.widgets) else f"The {len(shown)} largest widgets"
        )
        lines += [
            "",
            *mermaid_chart(
                f"{title} per day (KB {b.compression})",
                "bytes",
                [w.daily for w in shown],
                reference=shown[0].limit,
                names=[w.name for w in shown],
            ),
        ]
    return [*lines, ""]


def _pass_rates(report: Report) -> list[str]:
    perf = report.performance
    lines = ["### CI and visual test pass rates", ""]
    rows = []
    for name, rate in (("CI runs", perf.ci), ("visual tests", perf.visual)):
        if rate is None:
            rows.append(f"| {name} | – | – | – | – | no data |")
            continue
        excluded = ", ".join(f"{n} {k}" for k, n in rate.excluded.items()) or "–"
        rows.append(
            f"| {name} | {rate.passed:,} | {rate.failed:,} | {fmt_share(rate.rate, 2)} | "
            f"{rate.flaky:,} | excluded: {md_table_cell(excluded)} |"
        )
    lines += [
        "| what | passed | failed | pass rate | flaky | notes |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *rows,
        "",
    ]
    targets = {s.id: s.target for s in perf.slos}
    for title, rate, target in (
        ("CI pass rate per day (%)", perf.ci, targets.get("ci-pass-rate")),
        ("Visual pass rate per day (%)", perf.visual, targets.get("visual-pass-rate")),
    ):
        if rate is not None and rate.daily:
            chart = mermaid_chart(
                title, "%", [rate.daily], bar=True, reference=target, names=["pass rate"]
            )
            if chart:
                lines += [*chart, ""]
    return lines


def _budget_row(b: BudgetStatus) -> str:
    if b.budget is None:
        return (
            f"| {md_code(b.slo_id, in_table=True)} | {ICONS['no-data']} no data | – | – | – | – | "
            f"– | {md_table_cell(b.note)} |"
        )
    bud = b.budget
    burn = "–" if bud.burn_rate is None else f"{bud.burn_rate:.2f}×"
    alerts = "; ".join(a.name for a in bud.alerts) or "none"
    return (
        f"| {md_code(b.slo_id, in_table=True)} | {ICONS[b.state]} {b.state} | "
        f"{fmt_share(bud.consumed)} | {fmt_share(bud.remaining)} | {burn} | "
        f"{fmt_eta(bud.time_to_exhaustion_s)} | {bud.bad:,} of {bud.valid:,} | "
        f"{md_table_cell(b.note or alerts)} |"
    )


def _budgets(report: Report) -> list[str]:
    lines = [
        "## 2. Error budget status",
        "",
        "Rolling window ending at the report's as-of time. Burn rate: error ratio / budget over "
        "the most recent window with enough events (1 d, else 3 d, 7 d, 30 d); time until "
        "exhaustion: remaining · window / burn rate.",
        "",
        "| SLO | state | consumed | remaining | burn rate | time until exhaustion | bad of valid "
        "| alerts |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        *(_budget_row(b) for b in report.budgets),
        "",
    ]
    if report.alerts:
        lines += ["Firing alerts:", ""]
        lines += [
            f"- {md_code(a.slo_id)} **{a.severity}** {md_code(a.name)}: {md_text(a.message)}"
            for a in report.alerts
        ]
        lines.append("")
    return lines


def _found_row(i: DataIncident, tz: str) -> str:
    return (
        f"| {md_code(i.slo_id, in_table=True)} | {fmt_time(i.start, tz)} | {fmt_time(i.end, tz)} | "
        f"{i.bad:,} of {i.valid:,} | {fmt_share(i.budget_consumed)} | {md_table_cell(i.rule)} |"
    )


def _issue_link(issue: IncidentIssue) -> str:
    url = safe_url(issue.url)
    return f"[#{issue.number}]({url})" if url else f"#{issue.number}"


def _issue_row(issue: IncidentIssue, tz: str) -> str:
    return (
        f"| {_issue_link(issue)} | {md_table_cell(issue.title, issue_refs=True, max_chars=120)} | "
        f"{fmt_time(issue.opened_at, tz)} | "
        f"{md_table_cell(issue.root_cause or '–', issue_refs=True, max_chars=MAX_SECTION_CELL)} | "
        f"{md_table_cell(issue.remediation or '–', issue_refs=True, max_chars=MAX_SECTION_CELL)}"
        f" | {ICONS[issue.review]} |"
    )


def _incidents(report: Report) -> list[str]:
    inc = report.incidents
    tz = report.period.timezone
    lines = ["## 3. Incidents", "", "### SLO-violating periods found in the data", ""]
    if inc.found:
        lines += [
            "| SLO | start | end | bad events | budget consumed | rule |",
            "| --- | --- | --- | ---: | ---: | --- |",
            *(_found_row(i, tz) for i in inc.found),
            "",
            "Budget consumed: the period's bad events over the error budget of the whole report "
            "period (B · its valid events).",
        ]
    else:
        lines.append("None: no window broke an incident rule.")
    lines += ["", "### Incident issues", ""]
    if not inc.issues_read:
        return [*lines, f"Not read: {md_text(inc.note)}.", ""]
    if not inc.issues:
        return [*lines, "No incident issue was opened in the period.", ""]
    lines += [
        "| issue | title | opened | root cause | remediation | post-incident review |",
        "| --- | --- | --- | --- | --- | --- |",
        *(_issue_row(i, tz) for i in inc.issues),
        "",
    ]
    for issue in inc.issues:
        if issue.review_link:
            lines.append(
                f"- {_issue_link(issue)} review: {md_code(issue.review_link)} "
                f"({fmt_time(issue.review_at, tz)})"
            )
    return [*lines, ""]


def _trend_row(t: Trend) -> str:
    direction = ICONS[t.direction] if t.direction != "no-data" else "➖ no data"
    return (
        f"| {md_code(t.id, in_table=True)} | {fmt_number(t.previous, t.unit)} | "
        f"{fmt_number(t.current, t.unit)} | {fmt_change(t.change, t.unit)} | {direction} |"
    )


def _trends(report: Report) -> list[str]:
    t = report.trends
    if t is None:
        return []
    lines = [
        "## 4. Trends",
        "",
        f"Month over month: {md_text(t.previous_label)} → {md_text(report.period.label)}.",
        "",
        "| SLO | previous | this period | change | direction |",
        "| --- | ---: | ---: | ---: | --- |",
        *(_trend_row(r) for r in t.slos),
        "",
    ]
    if t.worst_widgets:
        lines += [
            "Worst widgets (closest to their limit, then fastest growing):",
            "",
            "| widget | last | share of limit | change this period |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {md_table_cell(w.name)} | {fmt_number(w.last, 'bytes')} | "
            f"{fmt_share(w.share_of_limit)} | {fmt_change(w.change, 'bytes')} |"
            for w in t.worst_widgets
        ]
        lines.append("")
    return lines


def _coverage(report: Report) -> list[str]:
    tz = report.period.timezone
    lines = [
        "## Data coverage",
        "",
        f"{fmt_share(report.coverage.elapsed_share)} of the period elapsed.",
        "",
        "| source | samples | first | last | days with data | note |",
        "| --- | ---: | --- | --- | ---: | --- |",
    ]
    lines += [
        f"| {s.source} | {s.samples:,} | {fmt_time(s.first, tz)} | {fmt_time(s.last, tz)} | "
        f"{s.days_with_data} of {s.days} | {md_table_cell(s.note or '–')} |"
        for s in report.coverage.sources
    ]
    return [*lines, ""]


def _problems(report: Report) -> list[str]:
    if not report.problems:
        return []
    lines = ["## Problems with the input", ""]
    for p in report.problems:
        where = ""
        if p.path:
            where = " in " + md_code(p.path + (f":{p.line}" if p.line else ""))
        lines.append(f"- **{p.level}** {md_code(p.code)}{where}: {md_text(p.message)}")
    return [*lines, ""]


def render_report_markdown(report: Report) -> str:
    """The whole report: summary, the four sections of SLOS.md, coverage and problems."""
    parts = [
        _header(report),
        _summary(report),
        _performance(report),
        _budgets(report),
        _incidents(report),
        _trends(report),
        _coverage(report),
        _problems(report),
        [
            "---",
            "",
            "Made by slo-gate. Percentiles are nearest-rank and shown with their n; ratio SLOs "
            "and budgets: budget B = 1 − target, consumed = bad / (B · valid).",
        ],
    ]
    return "\n".join(line for part in parts for line in part) + "\n"
