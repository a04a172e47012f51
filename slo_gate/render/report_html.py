"""The monthly SLO report as one self-contained HTML page: inline CSS, inline SVG charts.

No external script, font, style sheet or image: the page can be attached to an issue, mailed or
archived and shows the same thing offline. A Content-Security-Policy meta tag forbids every
fetch, so even a bug here could not make a reader's browser load anything. Every string that
did not come from slo-gate itself passes through ``html_text``.

Pure: a ``Report`` in, text out.
"""

from __future__ import annotations

from collections.abc import Sequence

from slo_gate.formatting import UNIT_RULE
from slo_gate.render.escape import html_text
from slo_gate.render.report_format import (
    ICONS,
    fmt_change,
    fmt_eta,
    fmt_number,
    fmt_share,
    fmt_time,
    period_title,
    safe_url,
    slo_limits,
)
from slo_gate.render.svg import svg_chart
from slo_gate.report_model import Report, SizeTrend

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
color:#1b1f24;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d0d7de;padding:.25em .6em;
vertical-align:top}th{background:#f6f8fa;text-align:left}td.n{text-align:right;
font-variant-numeric:tabular-nums}.note{background:#fff8c5;border-left:4px solid #d4a72c;
padding:.5em 1em}.muted{color:#57606a}svg{max-width:100%;height:auto;display:block;margin:.5em 0}
code{background:#f6f8fa;padding:0 .25em;border-radius:3px}
.scroll{overflow-x:auto;max-width:100%}.charts{display:flex;flex-wrap:wrap;gap:0 1.5em}
.charts>figure{margin:0;flex:1 1 22em;min-width:0}
"""


def _e(text: str) -> str:
    return html_text(text)


_COLORS = {
    "pass": "#1a7f37",
    "ok": "#1a7f37",
    "better": "#1a7f37",
    "linked": "#1a7f37",
    "warn": "#9a6700",
    "late": "#9a6700",
    "pause": "#9a6700",
    "pending": "#57606a",
    "fail": "#cf222e",
    "rollback": "#cf222e",
    "missing": "#cf222e",
    "worse": "#cf222e",
}


def _status(word: str) -> str:
    """A coloured dot and the word (no emoji: the page must not depend on an emoji font)."""
    label = (
        ICONS.get(word, word).split(" ", 1)[-1]
        if word in ("linked", "late", "missing", "pending")
        else word
    )
    color = _COLORS.get(word, "#57606a")
    return f'<span style="color:{color}">●</span> {_e(label)}'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """A table of already-escaped cells; ``numeric`` columns are right-aligned."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'  # scrolls on its own on a narrow screen


# ----------------------------------------------------------------------------- sections


def _header(report: Report) -> str:
    p = report.period
    c = report.coverage
    out = [
        f"<h1>SLO report: {_e(period_title(report))}</h1>",
        f"<p>Period {_e(fmt_time(p.start, p.timezone))} to {_e(fmt_time(p.end, p.timezone))} "
        f"(time zone <code>{_e(p.timezone)}</code>); budgets as of "
        f"{_e(fmt_time(p.as_of, p.timezone))}; generated "
        f"{_e(fmt_time(report.generated_at, 'UTC'))}.</p>",
    ]
    if c.partial:
        out.append(f'<p class="note">Partial data: {_e(c.note)}.</p>')
    return "".join(out)


def _performance(report: Report) -> str:
    perf = report.performance
    rows = [
        [
            f"<code>{_e(s.id)}</code>",
            _status(s.status),
            _e(fmt_number(s.value, s.unit)),
            _e(slo_limits(s)),
            _e(fmt_number(s.warning, s.unit)),
            f"{s.samples:,}",
            _e(s.detail),
        ]
        for s in perf.slos
    ]
    out = [
        '<section id="performance"><h2>1. SLO performance</h2>',
        _table(["SLO", "status", "value", "target", "warning", "n", "detail"], rows, {2, 3, 4, 5}),
        "<h3>Availability</h3>",
    ]
    target = next((s.target for s in perf.slos if s.id == "mcp-availability"), None)
    chart = svg_chart(
        "Availability per day (%)",
        "%",
        [("availability", perf.availability_daily)],
        reference=target,
    )
    out.append(chart or "<p>No availability data.</p>")
    out.append("<h3>Latency (P95 per location)</h3>")
    if perf.latency:
        out.append(
            _table(
                ["location", "n", "P95", "limit", "within the limit"],
                [
                    [
                        _e(s.location),
                        f"{s.n:,}",
                        _e(fmt_number(s.p95_ms, "ms")),
                        _e(fmt_number(s.limit_ms, "ms")),
                        f"{s.within:,}",
                    ]
                    for s in perf.latency
                ],
                {1, 2, 3, 4},
            )
        )
        out.append(
            svg_chart(
                "Requests within the latency limit per day (%)",
                "%",
                [(s.location, s.daily_within) for s in perf.latency if s.daily_within],
                reference=95.0,
            )
        )
    else:
        out.append("<p>No latency data.</p>")
    out.append("<h3>Build time</h3>")
    b = perf.build_time
    if b is None:
        out.append("<p>No build time recorded in the period.</p>")
    else:
        out.append(
            _table(
                ["n", "median", "P95", "max", "within the limit"],
                [
                    [
                        f"{b.n:,}",
                        _e(fmt_number(b.median_s, "s")),
                        _e(fmt_number(b.p95_s, "s")),
                        _e(fmt_number(b.max_s, "s")),
                        f"{b.within:,} of {b.n:,}",
                    ]
                ],
                {0, 1, 2, 3, 4},
            )
        )
    out.append(_bundles(report))
    out.append(_pass_rates(report))
    out.append("</section>")
    return "".join(out)


def _size_cells(t: SizeTrend, name: str) -> list[str]:
    return [
        name,
        _e(fmt_number(t.first, "bytes")),
        _e(fmt_number(t.last, "bytes")),
        _e(fmt_change(t.change, "bytes")),
        _e(fmt_number(t.max, "bytes")),
        _e(fmt_number(t.limit, "bytes")),
        _status(t.status),
    ]


def _bundles(report: Report) -> str:
    b = report.performance.bundles
    if b is None:
        return "<h3>Bundle sizes</h3><p>No bundle sizes recorded in the period.</p>"
    rows = [_size_cells(w, _e(w.name)) for w in b.widgets]
    if b.total is not None:
        rows.append(_size_cells(b.total, "<strong>total (unique files)</strong>"))
    out = [
        "<h3>Bundle sizes</h3>",
        f"<p>Sizes are {_e(b.compression)} bytes; {_e(UNIT_RULE)}.</p>",
        _table(
            ["widget", "first", "last", "change", "max", "limit", "status"], rows, {1, 2, 3, 4, 5}
        ),
    ]
    if b.total is not None:
        out.append(
            svg_chart(
                f"All widgets per day ({b.compression} bytes)",
                "bytes",
                [("total", b.total.daily)],
                reference=b.total.limit,
            )
        )
    out.append(
        svg_chart(
            f"Each widget per day ({b.compression} bytes)",
            "bytes",
            [(w.name, w.daily) for w in b.widgets],
        )
    )
    return "".join(out)


def _pass_rates(report: Report) -> str:
    perf = report.performance
    rows = []
    charts = []
    for name, rate in (("CI runs", perf.ci), ("visual tests", perf.visual)):
        if rate is None:
            rows.append([name, "–", "–", "–", "–"])
            continue
        rows.append(
            [
                name,
                f"{rate.passed:,}",
                f"{rate.failed:,}",
                _e(fmt_share(rate.rate, 2)),
                f"{rate.flaky:,}",
            ]
        )
        charts.append(
            svg_chart(f"{name}: pass rate per day (%)", "%", [(name, rate.daily)], bar=True)
        )
    return (
        "<h3>CI and visual test pass rates</h3>"
        + _table(["what", "passed", "failed", "pass rate", "flaky"], rows, {1, 2, 3, 4})
        + "".join(charts)
    )


def _budgets(report: Report) -> str:
    rows = []
    for b in report.budgets:
        bud = b.budget
        if bud is None:
            rows.append(
                [f"<code>{_e(b.slo_id)}</code>", "no data", "–", "–", "–", "–", "–", _e(b.note)]
            )
            continue
        rows.append(
            [
                f"<code>{_e(b.slo_id)}</code>",
                _status(b.state),
                _e(fmt_share(bud.consumed)),
                _e(fmt_share(bud.remaining)),
                "–" if bud.burn_rate is None else f"{bud.burn_rate:.2f}×",
                _e(fmt_eta(bud.time_to_exhaustion_s)),
                f"{bud.bad:,} of {bud.valid:,}",
                _e(b.note or "; ".join(a.name for a in bud.alerts) or "none"),
            ]
        )
    alerts = "".join(
        f"<li><code>{_e(a.slo_id)}</code> <strong>{_e(a.severity)}</strong> "
        f"<code>{_e(a.name)}</code>: {_e(a.message)}</li>"
        for a in report.alerts
    )
    return (
        '<section id="budgets"><h2>2. Error budget status</h2>'
        + _table(
            [
                "SLO",
                "state",
                "consumed",
                "remaining",
                "burn rate",
                "time until exhaustion",
                "bad of valid",
                "alerts",
            ],
            rows,
            {2, 3, 4, 5, 6},
        )
        + (f"<p>Firing alerts:</p><ul>{alerts}</ul>" if alerts else "")
        + _burn_down_charts(report)
        + "</section>"
    )


def _burn_down_charts(report: Report) -> str:
    """One remaining-budget chart per SLO over the window: the chart SRE readers look for."""
    figures = []
    for b in report.budgets:
        if not b.daily_remaining:
            continue
        chart = svg_chart(
            f"{b.slo_id}: error budget left (%)",
            "%",
            [("budget left", b.daily_remaining)],
            reference=0.0,
            reference_label="exhausted",
            width=420,
            height=200,
        )
        if chart:
            figures.append(f"<figure>{chart}</figure>")
    if not figures:
        return ""
    return (
        "<h3>Error budget left over the window</h3>"
        '<p class="muted">At the end of each day: the share of the window\'s error budget not '
        "yet spent by the bad events since the window began.</p>"
        f'<div class="charts">{"".join(figures)}</div>'
    )


def _multiline(text: str | None) -> str:
    return "–" if not text else "<br>".join(_e(line) for line in text.splitlines())


def _incidents(report: Report) -> str:
    inc = report.incidents
    tz = report.period.timezone
    out = ['<section id="incidents"><h2>3. Incidents</h2><h3>Found in the data</h3>']
    if inc.found:
        out.append(
            _table(
                ["SLO", "start", "end", "bad events", "budget consumed", "rule"],
                [
                    [
                        f"<code>{_e(i.slo_id)}</code>",
                        _e(fmt_time(i.start, tz)),
                        _e(fmt_time(i.end, tz)),
                        f"{i.bad:,} of {i.valid:,}",
                        _e(fmt_share(i.budget_consumed)),
                        _e(i.rule),
                    ]
                    for i in inc.found
                ],
                {3, 4},
            )
        )
    else:
        out.append("<p>None: no window broke an incident rule.</p>")
    out.append("<h3>Incident issues</h3>")
    if not inc.issues_read:
        out.append(f"<p>Not read: {_e(inc.note)}.</p>")
    elif not inc.issues:
        out.append("<p>No incident issue was opened in the period.</p>")
    else:
        rows = []
        for i in inc.issues:
            url = safe_url(i.url)
            link = f'<a href="{_e(url)}">#{i.number}</a>' if url else f"#{i.number}"
            review = _status(i.review)
            if i.review_link:
                review += f"<br><code>{_e(i.review_link)}</code>"
            rows.append(
                [
                    link,
                    _e(i.title),
                    _e(fmt_time(i.opened_at, tz)),
                    _multiline(i.root_cause),
                    _multiline(i.remediation),
                    review,
                ]
            )
        out.append(
            _table(
                ["issue", "title", "opened", "root cause", "remediation", "post-incident review"],
                rows,
                set(),
            )
        )
    out.append("</section>")
    return "".join(out)


def _trends(report: Report) -> str:
    t = report.trends
    if t is None:
        return ""
    rows = [
        [
            f"<code>{_e(r.id)}</code>",
            _e(fmt_number(r.previous, r.unit)),
            _e(fmt_number(r.current, r.unit)),
            _e(fmt_change(r.change, r.unit)),
            _status(r.direction),
        ]
        for r in t.slos
    ]
    worst = [
        [
            _e(w.name),
            _e(fmt_number(w.last, "bytes")),
            _e(fmt_share(w.share_of_limit)),
            _e(fmt_change(w.change, "bytes")),
        ]
        for w in t.worst_widgets
    ]
    return (
        '<section id="trends"><h2>4. Trends</h2>'
        f"<p>Month over month: {_e(t.previous_label)} → {_e(report.period.label)}.</p>"
        + _table(["SLO", "previous", "this period", "change", "direction"], rows, {1, 2, 3})
        + (
            "<h3>Worst widgets</h3>"
            + _table(["widget", "last", "share of limit", "change"], worst, {1, 2, 3})
            if worst
            else ""
        )
        + "</section>"
    )


def _coverage(report: Report) -> str:
    tz = report.period.timezone
    rows = [
        [
            _e(s.source),
            f"{s.samples:,}",
            _e(fmt_time(s.first, tz)),
            _e(fmt_time(s.last, tz)),
            f"{s.days_with_data} of {s.days}",
            _e(s.note or "–"),
        ]
        for s in report.coverage.sources
    ]
    problems = "".join(
        f"<li><strong>{_e(p.level)}</strong> <code>{_e(p.code)}</code>"
        + (f" in <code>{_e(p.path)}{_e(f':{p.line}' if p.line else '')}</code>" if p.path else "")
        + f": {_e(p.message)}</li>"
        for p in report.problems
    )
    return (
        '<section id="coverage"><h2>Data coverage</h2>'
        f"<p>{_e(fmt_share(report.coverage.elapsed_share))} of the period elapsed.</p>"
        + _table(["source", "samples", "first", "last", "days with data", "note"], rows, {1, 4})
        + (f"<h3>Problems with the input</h3><ul>{problems}</ul>" if problems else "")
        + "</section>"
    )


def render_report_html(report: Report) -> str:
    """One HTML document; the only URLs in it are issue links (anchors, never fetched)."""
    title = f"SLO report: {period_title(report)}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        + _header(report)
        + _performance(report)
        + _budgets(report)
        + _incidents(report)
        + _trends(report)
        + _coverage(report)
        + '<footer class="muted"><p>Made by slo-gate. Percentiles are nearest-rank and shown '
        "with their n.</p></footer></body></html>\n"
    )
