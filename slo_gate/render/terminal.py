"""The verdict for a terminal: aligned plain-text tables, no colour codes from the data.

Every string in the verdict is data (in ``mode: publish`` it all comes from a fork's artifact):
each is written through ``text.visible`` — one line, control and bidirectional characters shown
as ``?``, everything else exactly as it is, so a failing test id can be pasted into its runner.
Outside GitHub Actions that is all. Inside, the command prints the report through ``printed``
with a random token, which wraps it in the runner's ``::stop-commands::TOKEN`` … ``::TOKEN::``
so that no line of it can act as a workflow command. Pure: the token comes in as an argument.
"""

from __future__ import annotations

from slo_gate.formatting import UNIT_RULE, fmt_bytes, fmt_delta, fmt_value
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
from slo_gate.text import stop_commands, visible
from slo_gate.verdict import BundlesOut, Verdict

_plain = visible


def printed(text: str, stop_token: str | None) -> str:
    """Text as a command prints it: as it is outside GitHub Actions (``stop_token`` None);
    inside, between ``::stop-commands::TOKEN`` and ``::TOKEN::``, characters unchanged."""
    return text if stop_token is None else stop_commands(text, stop_token)


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _story(b: BundlesOut, limit: float | None) -> list[str]:
    """What the change did to the bundles, and where to cut, before the numbers below."""
    over = over_sentence(b, limit, _plain)
    lines = [over] if over else []
    lines += [f"size change: {m}" for m in moved_sentences(b, _plain)]
    changes = changes_sentence(b, _plain)
    lines += [changes] if changes else []
    failing = [w for w in sort_widgets(b.widgets, b.limited_by) if w.status == "fail"]
    lines += [
        f"largest files of {_plain(w.name)}: {largest_files(b, w, _plain)}" for w in failing[:5]
    ]
    lines += [f"cut here first: {a}" for a in advice_sentences(b, _plain)]
    return [*lines, ""] if lines else []


def render_terminal(verdict: Verdict) -> str:
    lines: list[str] = []
    if verdict.bundles is not None:
        b = verdict.bundles
        size_slo = verdict.slo_map.get("widget-bundle-size")
        limit = size_slo.target if size_slo else None
        rows = [
            ["widget", "files", "raw", "gzip", "brotli", f"Δ {b.limited_by}", "vs limit", "status"]
        ]
        for w in sort_widgets(b.widgets, b.limited_by):
            delta = (
                (w.delta.gzip if b.limited_by == "gzip" else w.delta.brotli) if w.delta else None
            )
            rows.append(
                [
                    _plain(w.name),
                    str(len(w.files)),
                    fmt_bytes(w.raw),
                    fmt_bytes(w.gzip),
                    fmt_bytes(w.brotli),
                    fmt_delta(delta),
                    fmt_headroom(headroom(w, b.limited_by, limit)),
                    w.status,
                ]
            )
        t = b.total
        tdelta = (t.delta.gzip if b.limited_by == "gzip" else t.delta.brotli) if t.delta else None
        rows.append(
            [
                "TOTAL (unique files)",
                str(t.files),
                fmt_bytes(t.raw),
                fmt_bytes(t.gzip),
                fmt_bytes(t.brotli),
                fmt_delta(tdelta),
                "–",
                t.status,
            ]
        )
        lines += [*_table(rows, right={1, 2, 3, 4, 5, 6}), ""]
        lines += _story(b, limit)
        if b.baseline is not None:
            lines.append(
                f"baseline: {_plain(b.baseline.commit[:12])} ({_plain(b.baseline.how)}), "
                f"recorded {b.baseline.recorded_at:%Y-%m-%d %H:%M} UTC"
            )
        lines.append(
            f"sizes: {UNIT_RULE}; gzip = zlib {_plain(b.compression.zlib_version)} level "
            f"{b.compression.gzip_level}; brotli {_plain(b.compression.brotli_version)} quality "
            f"{b.compression.brotli_quality}"
            + (f"; {cached_sentence(b.cached_files)[:-1]}" if b.cached_files else "")
        )
        basis = mode_sentence(b.mode)
        if basis:
            lines.append(basis)
        lines.append("")
    if verdict.slos:
        rows = [["SLO", "status", "value", "target", "n", "window", "note"]]
        for s in verdict.slos:
            note = ""
            unit = _plain(s.unit)
            if s.history is not None:
                note = (
                    f"P{s.history.percentile * 100:g} over 30 d: "
                    f"{fmt_value(s.history.value, unit)} (n={s.history.samples})"
                )
            elif s.budget is not None:
                note = f"budget {s.budget.consumed * 100:.1f} % consumed"
            rows.append(
                [
                    _plain(s.id),
                    s.status,
                    fmt_value(s.value, unit),
                    f"{s.comparison} {fmt_value(s.target, unit)}",
                    f"{s.samples:,}",
                    _plain(s.window),
                    _plain(note or s.detail),
                ]
            )
        lines += [*_table(rows, right={2, 4}), ""]
    if verdict.tests is not None:
        tests = verdict.tests
        lines.append(
            f"tests: {tests.total} total, {tests.passed} passed, {tests.failed} failed, "
            f"{tests.errored} errored, {tests.skipped} skipped, {tests.flaky} flaky"
        )
        for name, c in sorted(tests.by_project.items()):
            lines.append(
                f"  {_plain(name)}: {c.total} total, {c.passed} passed, "
                f"{c.failed} failed, {c.flaky} flaky"
            )
        for f in tests.failures[:20]:
            where = f" ({_plain(f.file)}:{f.line})" if f.file and f.line else ""
            lines.append(f"  {f.outcome}: {_plain(f.key)[:160]}{where}")
        if len(tests.failures) > 20:
            lines.append(f"  … {len(tests.failures) - 20} more in the JSON verdict")
        lines.append("")
    for p in verdict.problems:
        where = f"{p.path}:{p.line}: " if p.path and p.line else (f"{p.path}: " if p.path else "")
        lines.append(f"{p.level}: [{_plain(p.code)}] {_plain(where + p.message)}")
    if verdict.problems:
        lines.append("")
    for reason in verdict.reasons:
        lines.append(f"  - {_plain(reason)}")
    lines.append(
        f"decision: {verdict.decision.upper()}   release: {verdict.release.state}"
        + (f" ({_plain(verdict.release.reason)})" if verdict.release.reason else "")
    )
    return "\n".join(lines) + "\n"
