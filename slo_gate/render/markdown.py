"""The verdict as Markdown: the job summary, the PR comment body and ``--markdown`` files.

Every string in the verdict is data — in ``mode: publish`` the whole verdict comes from a fork's
artifact — so each one (widget and file names, messages, and also SLO ids, units, windows,
problem codes, library versions, override authors) goes through ``escape`` where it is written:
it stays inside its table cell or line, becomes no HTML and mentions nobody. Only slo-gate's
own words and numbers are written as they are.
"""

from __future__ import annotations

from slo_gate.formatting import UNIT_RULE, counted, fmt_bytes, fmt_delta, fmt_value
from slo_gate.measurements import TestCounts
from slo_gate.render.bundle_story import (
    advice_sentences,
    cached_sentence,
    changes_sentence,
    fmt_headroom,
    headroom,
    largest_files,
    mode_sentence,
    moved_sentences,
    over_sentence,
    sort_widgets,
)
from slo_gate.render.escape import md_code, md_table_cell, md_text
from slo_gate.verdict import BundlesOut, Slo, TestsOut, Verdict


def _code(text: str) -> str:
    return md_code(text, in_table=True)


ICONS = {
    "pass": "✅",
    "warn": "⚠️",
    "fail": "❌",
    "no-data": "➖",
    "pause": "⏸️",
    "rollback": "⏪",
}


def _cell(text: str) -> str:
    return md_table_cell(text)


def _value(value: float | None, unit: str) -> str:
    """A number in its unit; the unit is data (a forged verdict may carry any string), and
    escaping leaves the known units (``bytes``, ``ratio``, ``ms`` …) as they are."""
    return fmt_value(value, md_text(unit))


def _slo_row(slo: Slo) -> str:
    target = _value(slo.target, slo.unit) if slo.target is not None else "–"
    warning = _value(slo.warning, slo.unit) if slo.warning is not None else "–"
    history = ""
    if slo.history is not None:
        p = f"P{slo.history.percentile * 100:g}"
        history = (
            f"{p} {fmt_value(slo.history.value, slo.unit)} (n={slo.history.samples})"
            if slo.history.value is not None
            else f"{p}: no records yet (n=0)"
        )
    budget = ""
    if slo.budget is not None:
        budget = f"{slo.budget.consumed * 100:.1f} % consumed"
    cells = [
        _code(slo.id),
        f"{ICONS[slo.status]} {slo.status}",
        _value(slo.value, slo.unit),
        f"{slo.comparison} {target}",
        warning,
        f"{slo.samples:,}",
        _cell(slo.window),
        md_table_cell(history or budget or slo.detail),
    ]
    return "| " + " | ".join(cells) + " |"


def _slo_table(slos: list[Slo]) -> list[str]:
    return [
        "| SLO | status | value | target | warning | n | window | history / budget |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
        *(_slo_row(s) for s in slos),
    ]


def _name(text: str) -> str:
    return md_code(text)


def _bundles(b: BundlesOut, limit: float | None) -> list[str]:
    c = b.compression
    lines = [
        f"### Widget bundles (budgets limit {b.limited_by})",
        "",
        "| widget | files | raw | gzip | brotli | Δ " + b.limited_by + " | vs limit | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for w in sort_widgets(b.widgets, b.limited_by):
        delta = (
            w.delta.gzip
            if (w.delta and b.limited_by == "gzip")
            else (w.delta.brotli if w.delta else None)
        )
        name = md_table_cell(w.name) + (" (new)" if w.new else "")
        room = fmt_headroom(headroom(w, b.limited_by, limit))
        lines.append(
            f"| {name} | {len(w.files)} | {fmt_bytes(w.raw)} | {fmt_bytes(w.gzip)} | "
            f"{fmt_bytes(w.brotli)} | {fmt_delta(delta)} | {room} | {ICONS[w.status]} {w.status} |"
        )
    t = b.total
    tdelta = (t.delta.gzip if b.limited_by == "gzip" else t.delta.brotli) if t.delta else None
    lines.append(
        f"| **total (unique files)** | {t.files} | {fmt_bytes(t.raw)} | {fmt_bytes(t.gzip)} | "
        f"{fmt_bytes(t.brotli)} | {fmt_delta(tdelta)} | – | {ICONS[t.status]} {t.status} |"
    )
    lines.append("")
    failing = [w for w in sort_widgets(b.widgets, b.limited_by) if w.status == "fail"]
    if failing:
        lines += ["Largest files of the widgets over the limit:", ""]
        lines += [f"- {_name(w.name)}: {largest_files(b, w, _name)}" for w in failing[:10]]
        lines.append("")
    if b.removed:
        lines.append("Widgets no longer built: " + ", ".join(_code(n) for n in b.removed))
        lines.append("")
    if b.baseline is not None:
        lines.append(
            f"Compared with commit {_code(b.baseline.commit[:12])} on "
            f"{_code(b.baseline.branch or 'unknown branch')}, recorded "
            f"{b.baseline.recorded_at:%Y-%m-%d %H:%M} UTC ({md_table_cell(b.baseline.how)})."
        )
    else:
        lines.append("No baseline record to compare with yet.")
    lines.append(
        f"Sizes: {UNIT_RULE}. gzip: zlib {_cell(c.zlib_version)} level {c.gzip_level}, gzip "
        f"container; brotli {_cell(c.brotli_version)} quality {c.brotli_quality}, window "
        f"{c.brotli_window}."
        + (f" {cached_sentence(b.cached_files)}" if b.cached_files else "")
        + (f" {basis}" if (basis := mode_sentence(b.mode)) else "")
    )
    return lines


MAX_FAILURES_SHOWN = 50
LEAD_FAILURES = 10
BURN_WINDOWS = ("1h", "6h", "1d", "7d", "30d")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    days = seconds / 86400
    return f"{days:.1f} days" if days >= 1 else f"{seconds / 3600:.1f} hours"


def _budgets(slos: list[Slo]) -> list[str]:
    with_budget = [s for s in slos if s.budget is not None]
    if not with_budget:
        return []
    head = " | ".join(f"burn {w}" for w in BURN_WINDOWS)
    lines = [
        "### Error budgets",
        "",
        f"| SLO | consumed | remaining | {head} | exhausted in | alerts |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in BURN_WINDOWS) + " | ---: | --- |",
    ]
    for slo in with_budget:
        b = slo.budget
        assert b is not None
        if b.insufficient_data:
            consumed, remaining = "insufficient data", "–"
        else:
            consumed, remaining = f"{b.consumed * 100:.1f} %", f"{b.remaining * 100:.1f} %"
        burns = " | ".join(
            "–" if b.burn_rates.get(w) is None else f"{b.burn_rates[w]:.2f}×" for w in BURN_WINDOWS
        )
        alerts = "<br>".join(md_table_cell(f"{a.name}: {a.message}") for a in b.alerts) or "–"
        lines.append(
            f"| {_code(slo.id)} | {consumed} | {remaining} | {burns} | "
            f"{_duration(b.time_to_exhaustion_s)} | {alerts} |"
        )
    lines.append("")
    return lines


def _tests(t: TestsOut) -> list[str]:
    lines = [
        "### Tests",
        "",
        "| project | total | passed | failed | errored | skipped | flaky |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows: list[tuple[str, TestCounts | TestsOut]] = [("**all**", t)]
    rows += [(md_table_cell(name), c) for name, c in sorted(t.by_project.items())]
    for name, c in rows:
        lines.append(
            f"| {name} | {c.total} | {c.passed} | {c.failed} | {c.errored} | {c.skipped} | "
            f"{c.flaky} |"
        )
    v = t.visual
    lines.append("")
    if v.total:  # a project without visual tests is not told about them
        rate = fmt_value(v.pass_rate, "ratio") if v.pass_rate is not None else "–"
        lines += [
            f"Visual tests: {v.total} ({v.passed} passed, {v.failed} failed, {v.flaky} flaky, "
            f"{v.skipped} skipped); pass rate {rate}.",
            "",
        ]
    if t.failures:
        lines += ["| test | outcome | where | message |", "| --- | --- | --- | --- |"]
        for f in t.failures[:MAX_FAILURES_SHOWN]:
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
            lines.append(
                f"| {md_table_cell(f.key, max_chars=200)} | {f.outcome} | "
                f"{_code(where) if where else '–'} | {md_table_cell(f.message, max_chars=300)} |"
            )
        if len(t.failures) > MAX_FAILURES_SHOWN:
            lines.append(f"\n…and {len(t.failures) - MAX_FAILURES_SHOWN} more in the JSON verdict.")
        lines.append("")
    return lines


def _changed(verdict: Verdict) -> list[str]:
    """What this change did, first: widgets over, what moved them, files, where to cut, tests."""
    items: list[str] = []
    b = verdict.bundles
    if b is not None:
        size_slo = verdict.slo_map.get("widget-bundle-size")
        over = over_sentence(b, size_slo.target if size_slo else None, _name)
        items += [over] if over else []
        items += moved_sentences(b, _name)
        changes = changes_sentence(b, _name)
        items += [changes] if changes else []
        items += [f"Cut here first: {a}" for a in advice_sentences(b, _name)]
    t = verdict.tests
    if t is not None and t.failures:
        items.append(f"{counted(t.failed + t.errored, 'failing test')}:")
        for f in t.failures[:LEAD_FAILURES]:
            where = f" at {_name(f'{f.file}:{f.line}')}" if f.file and f.line else ""
            items.append(f"  - {_name(f.key)}{where}")
        if len(t.failures) > LEAD_FAILURES:
            items.append(f"  - and {len(t.failures) - LEAD_FAILURES} more (see Tests below)")
    if not items:
        return []
    return [
        "### What this change did",
        "",
        *(i if i.startswith("  ") else f"- {i}" for i in items),
        "",
    ]


def render_markdown(verdict: Verdict) -> str:
    """The job summary and the PR comment: what the change did first, then why, with the full
    SLO, budget, bundle and test tables folded in ``<details>``."""
    icon = ICONS[verdict.decision]
    lines = [
        f"## slo-gate: {icon} {verdict.decision}",
        "",
        f"**Decision: {verdict.decision}** · release: **{verdict.release.state}**"
        + (f" — {md_table_cell(verdict.release.reason)}" if verdict.release.reason else ""),
        "",
        *_changed(verdict),
    ]
    if verdict.reasons:
        lines += ["Why:", *(f"- {md_table_cell(r)}" for r in verdict.reasons), ""]
    lines += ["<details><summary>SLOs, error budgets, bundles and tests in full</summary>", ""]
    if verdict.slos:
        lines += ["### SLOs", "", *_slo_table(verdict.slos), ""]
    lines += _budgets(verdict.slos)
    if verdict.overrides:
        lines += ["### Overrides", ""]
        lines += [
            f"- {'applied' if o.applied else 'refused'}: {o.kind} by {md_table_cell(o.by)} at "
            f"{o.at:%Y-%m-%d %H:%M} UTC ({o.source}): {md_table_cell(o.reason)}"
            for o in verdict.overrides
        ]
        lines.append("")
    if verdict.bundles is not None:
        size_slo = verdict.slo_map.get("widget-bundle-size")
        lines += [*_bundles(verdict.bundles, size_slo.target if size_slo else None), ""]
    if verdict.tests is not None:
        lines += _tests(verdict.tests)
    lines += ["</details>", ""]
    if verdict.problems:
        lines += ["### Problems", ""]
        for p in verdict.problems:
            where = f"{p.path}:{p.line}" if p.path and p.line else (p.path or "")
            lines.append(
                f"- **{p.level}** {_code(p.code)}"
                + (f" {_code(where)}" if where else "")
                + f": {md_table_cell(p.message)}"
            )
        lines.append("")
    commit = f" for commit {_code(verdict.commit[:12])}" if verdict.commit else ""
    lines.append(
        f"<sub>slo-gate verdict{commit}, evaluated {verdict.evaluated_at:%Y-%m-%d %H:%M} UTC, "
        f"mode {verdict.mode}.</sub>"
    )
    return "\n".join(lines) + "\n"
