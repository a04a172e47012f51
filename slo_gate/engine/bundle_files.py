"""What a front-end developer needs to act on a bundle budget: per-file sizes, the shared files
whose cut would clear the most widgets, and what changed against the baseline. Pure.

Sizes are in the bytes the budget limits (gzip by default). A widget's size is the sum of its
files' sizes, so cutting ``c`` bytes from a file takes exactly ``c`` bytes off every widget that
loads it: the advice below is exact, not an estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from slo_gate.measurements import BundleMeasurement, FileSize
from slo_gate.names import normalise_path
from slo_gate.records import BundleRecord, FileRecord, Record
from slo_gate.verdict import (
    Advice,
    AdviceStep,
    BaselineRef,
    ChangedFile,
    Changes,
    FileMove,
    FileOut,
    Sizes,
    WidgetOut,
)

Algo = Literal["gzip", "brotli"]
#: at most this many files of advice, the most useful first
MAX_ADVICE = 20


def loaders(m: BundleMeasurement) -> dict[str, list[str]]:
    """Each file's path -> the names of the widgets that load it, sorted."""
    found: dict[str, set[str]] = {}
    for w in m.widgets:
        for f in w.files:
            found.setdefault(f, set()).add(w.name)
    return {path: sorted(names) for path, names in found.items()}


def files_out(m: BundleMeasurement, loaded_by: Mapping[str, list[str]]) -> list[FileOut]:
    """Every unique file once, largest first, with the widgets that load it."""
    rows = [
        FileOut(
            path=f.path,
            raw=f.raw,
            gzip=f.gzip,
            brotli=f.brotli,
            widgets=loaded_by.get(key, []),
        )
        for key, f in m.files.items()
    ]
    return sorted(rows, key=lambda r: (-r.gzip, r.path))


def _sum(files: Iterable[FileSize]) -> Sizes:
    items = list(files)
    return Sizes(
        raw=sum(f.raw for f in items),
        gzip=sum(f.gzip for f in items),
        brotli=sum(f.brotli for f in items),
    )


def own_and_shared(
    paths: Sequence[str], m: BundleMeasurement, loaded_by: Mapping[str, list[str]]
) -> tuple[Sizes, Sizes]:
    """A widget's own bytes (files only it loads) and its shared bytes."""
    own = [m.files[p] for p in paths if len(loaded_by.get(p, [])) <= 1]
    shared = [m.files[p] for p in paths if len(loaded_by.get(p, [])) > 1]
    return _sum(own), _sum(shared)


def _size(item: WidgetOut | FileOut, algo: Algo) -> int:
    return item.gzip if algo == "gzip" else item.brotli


def advice(
    widgets: Sequence[WidgetOut], files: Sequence[FileOut], algo: Algo, limit: int | None
) -> list[Advice]:
    """For each file loaded by an over-limit widget: the cuts that bring those widgets to the
    limit (each widget's excess, when the file is at least that large) and how many each clears.
    """
    if limit is None:
        return []
    excess = {w.name: _size(w, algo) - limit for w in widgets if _size(w, algo) > limit}
    out = []
    for f in files:
        over = [name for name in f.widgets if name in excess]
        size = _size(f, algo)
        cuts = sorted({excess[n] for n in over if excess[n] <= size})
        if not cuts:
            continue
        steps = [
            AdviceStep(reduce_gzip_by=c, would_clear=sum(1 for n in over if excess[n] <= c))
            for c in cuts
        ]
        out.append(Advice(path=f.path, gzip=size, widgets=over, steps=steps))
    out.sort(key=lambda a: (-a.steps[-1].would_clear, a.steps[0].reduce_gzip_by, a.path))
    return out[:MAX_ADVICE]


def _by_name(paths: Iterable[str]) -> dict[str, str]:
    """normalised name -> path; a name two paths share is kept under each exact path."""
    groups: dict[str, list[str]] = {}
    for p in paths:
        groups.setdefault(normalise_path(p), []).append(p)
    out: dict[str, str] = {}
    for name, members in groups.items():
        if len(members) == 1:
            out[name] = members[0]
        else:
            out.update({p: p for p in members})
    return out


def changes(
    m: BundleMeasurement, baseline: Record | None
) -> tuple[Changes | None, dict[str, FileMove]]:
    """Files added, removed and changed against the baseline's per-file records.

    Returns the changes and, per path (current path, or the baseline's for a removed file), the
    move it stands for. None when the baseline has no per-file records to compare with.
    """
    before: Mapping[str, FileRecord] = {}
    if baseline is not None and baseline.bundles is not None:
        before = baseline.bundles.files
    if baseline is None or not before:
        return None, {}
    now_names, old_names = _by_name(m.files), _by_name(before)
    moves: dict[str, FileMove] = {}
    changed = []
    for name, path in sorted(now_names.items()):
        f = m.files[path]
        old_path = old_names.get(name)
        if old_path is None:
            moves[path] = FileMove(path=path, gzip_before=None, gzip_after=f.gzip)
        elif before[old_path].sha256 != f.sha256:
            old = before[old_path].gzip
            changed.append(ChangedFile(path=path, gzip_before=old, gzip_after=f.gzip))
            moves[path] = FileMove(path=path, gzip_before=old, gzip_after=f.gzip)
    removed = [old_names[n] for n in sorted(set(old_names) - set(now_names))]
    for path in removed:
        moves[path] = FileMove(path=path, gzip_before=before[path].gzip, gzip_after=None)
    added = sorted(p for p, mv in moves.items() if mv.gzip_before is None)
    ref = BaselineRef(commit=baseline.commit or "unknown", branch=baseline.branch)
    result = Changes(baseline=ref, added=added, removed=sorted(removed), changed=changed)
    return result, moves


def moved_by(
    widget: str, paths: Sequence[str], moves: Mapping[str, FileMove], before: BundleRecord | None
) -> list[FileMove]:
    """The moves among a widget's files now, and the removed files it loaded in the baseline."""
    found = [moves[p] for p in paths if p in moves]
    prior = before.widgets.get(widget) if before is not None else None
    if prior is not None:
        found += [moves[p] for p in prior.files if p in moves and moves[p].gzip_after is None]
    return sorted(
        found, key=lambda mv: (-abs((mv.gzip_after or 0) - (mv.gzip_before or 0)), mv.path)
    )
