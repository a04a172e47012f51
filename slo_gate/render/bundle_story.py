"""What a pull request did to the bundles, in words a front-end developer can act on. Pure.

Which widgets are over and by how much, which files moved each widget, which files were
added, removed or changed, and which shared file to cut to clear the most widgets. The same
sentences serve the terminal and Markdown: ``name`` formats each untrusted name (a widget or a
file path) the way the output needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slo_gate.formatting import counted, short_bytes
from slo_gate.verdict import STATUS_ORDER, BundlesOut, FileMove, WidgetOut

Name = Callable[[str], str]
#: at most this many names in one sentence, then "and N more"
LISTED = 6


def size(item: WidgetOut | BundlesOut | object, algo: str) -> int:
    return int(getattr(item, algo))


def _signed(n: int) -> str:
    if n == 0:
        return "±0 B"
    return ("+" if n > 0 else "−") + short_bytes(abs(n))


def _more(items: Sequence[str], total: int) -> str:
    text = ", ".join(items)
    return text + (f" and {total - len(items)} more" if total > len(items) else "")


def sort_widgets(widgets: Sequence[WidgetOut], algo: str) -> list[WidgetOut]:
    """Failing first, then warning, then the rest; the largest first within each."""
    return sorted(widgets, key=lambda w: (-STATUS_ORDER.index(w.status), -size(w, algo), w.name))


def headroom(w: WidgetOut, algo: str, limit: float | None) -> int | None:
    """Bytes left under the limit (negative: over by that much)."""
    return None if limit is None else int(limit) - size(w, algo)


def fmt_headroom(room: int | None) -> str:
    if room is None:
        return "–"
    return f"{short_bytes(-room)} over" if room < 0 else f"{short_bytes(room)} left"


def over_sentence(b: BundlesOut, limit: float | None, name: Name) -> str | None:
    """ "3 of 22 widgets over 250.0 KB (gzip): chat (7.4 KB over), …"."""
    algo = b.limited_by
    if limit is None:
        return None
    over = [w for w in sort_widgets(b.widgets, algo) if size(w, algo) > limit]
    if not over:
        return None
    parts = [f"{name(w.name)} ({short_bytes(size(w, algo) - limit)} over)" for w in over[:LISTED]]
    return f"{len(over)} of {len(b.widgets)} widgets over {short_bytes(limit)} ({algo}): " + _more(
        parts, len(over)
    )


def _move(mv: FileMove, name: Name) -> str:
    if mv.gzip_before is None:
        return f"{name(mv.path)} added ({short_bytes(mv.gzip_after or 0)})"
    if mv.gzip_after is None:
        return f"{name(mv.path)} removed ({short_bytes(mv.gzip_before)})"
    return (
        f"{name(mv.path)} {short_bytes(mv.gzip_before)} → {short_bytes(mv.gzip_after)} "
        f"({_signed(mv.gzip_after - mv.gzip_before)})"
    )


def _gzip_change(mv: FileMove) -> int:
    return (mv.gzip_after or 0) - (mv.gzip_before or 0)


def moved_sentences(b: BundlesOut, name: Name) -> list[str]:
    """The widgets whose size moved, grouped by the file that moved each of them most: a shared
    chunk that grew is said once, with every widget it was the largest change in ("`app-….js`
    471 B → 623 B (+152 B), the largest change in 3 widgets: `inbox` +176 B, …"; a widget's
    number is its whole gzip change)."""
    moved = [w for w in b.widgets if w.delta is not None and w.delta.gzip != 0]
    moved.sort(key=lambda w: (-abs(w.delta.gzip if w.delta else 0), w.name))
    groups: dict[str, tuple[FileMove | None, list[WidgetOut]]] = {}
    for w in moved:
        moves = [mv for mv in w.moved_by if _gzip_change(mv) != 0]
        key = moves[0].path if moves else f"\0{w.name}"
        groups.setdefault(key, (moves[0] if moves else None, []))[1].append(w)
    out = []
    for cause, widgets in list(groups.values())[:LISTED]:
        parts = [f"{name(w.name)} {_signed(w.delta.gzip if w.delta else 0)}" for w in widgets]
        listed = _more(parts[:LISTED], len(parts))
        if cause is None:
            out.append(f"{listed} gzip")
        else:
            if len(widgets) == 1:
                (w,) = widgets
                who = f"widget {name(w.name)} ({_signed(w.delta.gzip if w.delta else 0)} in all)"
            else:
                who = f"{len(widgets)} widgets: {listed}"
            out.append(f"{_move(cause, name)}, the largest change in {who}")
    if len(groups) > LISTED:
        out.append(f"and {counted(len(groups) - LISTED, 'more file')} that changed widgets")
    return out


def cached_sentence(cached: int) -> str:
    """Files whose content an earlier check measured: their sizes come from the history."""
    whose = "1 file's size was" if cached == 1 else f"{cached:,} files' sizes were"
    return f"{whose} taken from history (the same content was measured by an earlier check)."


def changes_sentence(b: BundlesOut, name: Name) -> str | None:
    c = b.changes
    if c is None or not (c.added or c.removed or c.changed):
        return None
    parts = []
    if c.added:
        parts.append(
            f"{len(c.added)} added ({_more([name(p) for p in c.added[:3]], len(c.added))})"
        )
    if c.removed:
        listed = _more([name(p) for p in c.removed[:3]], len(c.removed))
        parts.append(f"{len(c.removed)} removed ({listed})")
    if c.changed:
        grown = sorted(c.changed, key=lambda f: -abs(f.gzip_after - f.gzip_before))
        listed = _more(
            [f"{name(f.path)} {_signed(f.gzip_after - f.gzip_before)}" for f in grown[:3]],
            len(grown),
        )
        parts.append(f"{len(c.changed)} changed ({listed})")
    return f"Files against {name(c.baseline.commit[:12])}: " + "; ".join(parts)


def advice_sentences(b: BundlesOut, name: Name, most: int = 3) -> list[str]:
    """ "app-….js (176.6 KB gzip) is loaded by 13 widgets over the limit; cutting 7.4 KB from it
    clears 9 of them"."""
    out = []
    for a in b.advice[:most]:
        n = len(a.widgets)
        shown = [*a.steps[:3], *([a.steps[-1]] if len(a.steps) > 3 else [])]
        steps = [
            f"{short_bytes(s.reduce_gzip_by)}"
            + (" from it" if i == 0 else "")
            + (f" clears all {n}" if s.would_clear == n > 1 else f" clears {s.would_clear}")
            + (" of them" if i == 0 and s.would_clear < n else "")
            for i, s in enumerate(shown)
        ]
        out.append(
            f"{name(a.path)} ({short_bytes(a.gzip)} {b.limited_by}) is loaded by {n} "
            f"widget{'s' if n > 1 else ''} over the limit; cutting " + ", ".join(steps)
        )
    return out


def largest_files(b: BundlesOut, widget: WidgetOut, name: Name, most: int = 3) -> str:
    """A failing widget's largest files, each with how many widgets share it."""
    algo = b.limited_by
    by_path = {f.path: f for f in b.files}
    files = sorted((by_path[p] for p in widget.files if p in by_path), key=lambda f: -size(f, algo))
    parts = []
    for f in files[:most]:
        shared = f" shared by {len(f.widgets)}" if len(f.widgets) > 1 else " own"
        parts.append(f"{name(f.path)} {short_bytes(size(f, algo))} ({shared.strip()})")
    return _more(parts, len(files))


MODES = {
    "html": "each HTML entry and every local JS and CSS file it loads (scripts, style sheets, "
    "module preloads and static imports)",
    "vite_manifest": "each manifest entry's JS and CSS files, with its static imports; HTML "
    "files are not counted in this mode",
    "glob": "each matched file on its own",
}


def mode_sentence(mode: str | None) -> str | None:
    """What a widget's size counts in the widget mode the policy chose."""
    counted = MODES.get(mode or "")
    return None if counted is None else f"A widget counts {counted} ({mode} mode)."
