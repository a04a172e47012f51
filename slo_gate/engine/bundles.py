"""Bundle-size SLOs: each widget against the per-widget budget, the unique total against its own.

Sizes are compared in the algorithm the policy names (gzip by default). The largest widget is the
``widget-bundle-size`` SLO; its P95 over the last 30 days of history records is shown with n.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from slo_gate.config.policy import BundlesPolicy
from slo_gate.engine.bundle_files import (
    advice,
    changes,
    files_out,
    loaders,
    moved_by,
    own_and_shared,
)
from slo_gate.engine.percentiles import nearest_rank
from slo_gate.engine.thresholds import upper_status
from slo_gate.engine.window import Span
from slo_gate.measurements import BundleMeasurement
from slo_gate.records import BundleRecord, FileRecord, Record, SizeRecord, WidgetRecord
from slo_gate.slos import spec
from slo_gate.verdict import (
    Baseline,
    BundlesOut,
    CompressionOut,
    HistoryStat,
    SizeDelta,
    Slo,
    Status,
    TotalOut,
    WidgetOut,
)

Algo = Literal["gzip", "brotli"]


def _pick(sizes: SizeRecord | WidgetOut | TotalOut, algo: Algo) -> int:
    return sizes.gzip if algo == "gzip" else sizes.brotli


def _delta(now: WidgetOut | TotalOut, before: SizeRecord | None) -> SizeDelta | None:
    if before is None:
        return None
    return SizeDelta(
        raw=now.raw - before.raw, gzip=now.gzip - before.gzip, brotli=now.brotli - before.brotli
    )


def bundle_record(out: BundlesOut, m: BundleMeasurement) -> BundleRecord:
    """What the history keeps of this build: per-widget and total sizes, and per-file hashes."""
    return BundleRecord(
        widgets={
            w.name: WidgetRecord(raw=w.raw, gzip=w.gzip, brotli=w.brotli, files=w.files)
            for w in out.widgets
        },
        total=SizeRecord(raw=out.total.raw, gzip=out.total.gzip, brotli=out.total.brotli),
        files={
            f.path: FileRecord(sha256=f.sha256, raw=f.raw, gzip=f.gzip, brotli=f.brotli)
            for f in m.files.values()
        },
    )


def summarise_bundles(
    m: BundleMeasurement,
    policy: BundlesPolicy,
    baseline: Record | None,
    baseline_how: str = "",
) -> BundlesOut:
    algo: Algo = policy.compression
    before = baseline.bundles if baseline is not None else None
    loaded_by = loaders(m)
    file_changes, moves = changes(m, baseline)
    widgets: list[WidgetOut] = []
    for w in m.widgets:
        sizes = [m.files[f] for f in w.files]
        raw, gz, br = (
            sum(s.raw for s in sizes),
            sum(s.gzip for s in sizes),
            sum(s.brotli for s in sizes),
        )
        limited = gz if algo == "gzip" else br
        status: Status = upper_status(
            limited, policy.per_widget.warning, policy.per_widget.critical
        )
        out = WidgetOut(
            name=w.name,
            entry=w.entry,
            files=list(w.files),
            raw=raw,
            gzip=gz,
            brotli=br,
            status=status,
        )
        prior = before.widgets.get(w.name) if before is not None else None
        own, shared = own_and_shared(w.files, m, loaded_by)
        update = {
            "delta": _delta(out, prior),
            "new": before is not None and prior is None,
            "own": own,
            "shared": shared,
            "moved_by": moved_by(w.name, w.files, moves, before),
        }
        widgets.append(out.model_copy(update=update))
    files = m.files.values()
    total = TotalOut(
        raw=sum(f.raw for f in files),
        gzip=sum(f.gzip for f in files),
        brotli=sum(f.brotli for f in files),
        status="pass",
        files=len(m.files),
    )
    total_status = upper_status(
        _pick(total, algo) if m.widgets else None, policy.total.warning, policy.total.critical
    )
    total = total.model_copy(
        update={"status": total_status, "delta": _delta(total, before.total if before else None)}
    )
    current = {w.name for w in widgets}
    removed = sorted(set(before.widgets) - current) if before is not None else []
    files_list = files_out(m, loaded_by)
    return BundlesOut(
        compression=CompressionOut(**m.compression.model_dump()),
        limited_by=algo,
        mode=m.mode,
        widgets=widgets,
        total=total,
        removed=removed,
        baseline=(
            Baseline(
                commit=baseline.commit or "unknown",
                branch=baseline.branch,
                recorded_at=baseline.recorded_at,
                how=baseline_how,
            )
            if baseline is not None
            else None
        ),
        cached_files=sum(1 for f in files if f.cached),
        files=files_list,
        advice=advice(widgets, files_list, algo, policy.per_widget.critical),
        changes=file_changes,
    )


HISTORY_WINDOW_S = 30 * 86400.0


def _largest(r: Record, algo: Algo) -> int | None:
    if r.bundles is None or not r.bundles.widgets:
        return None
    return max(_pick(w, algo) for w in r.bundles.widgets.values())


def largest_widget_history(
    history: Sequence[Record], algo: Algo, span: Span
) -> tuple[float | None, int]:
    """P95 (nearest rank) of the largest widget over the records of ``span``, and its n."""
    values = [
        float(v)
        for r in history
        if span.holds(r.recorded_at) and (v := _largest(r, algo)) is not None
    ]
    return nearest_rank(values, 0.95), len(values)


def bundle_history_slos(records: Sequence[Record], policy: BundlesPolicy, span: Span) -> list[Slo]:
    """Both bundle SLOs as the P95 over the builds recorded in ``span`` (the report's view)."""
    algo: Algo = policy.compression
    built = [r for r in records if r.bundles is not None and span.holds(r.recorded_at)]
    p95_largest, n_largest = largest_widget_history(built, algo, span)
    totals = [float(_pick(r.bundles.total, algo)) for r in built if r.bundles is not None]
    p95_total = nearest_rank(totals, 0.95)
    out = []
    for slo_id, value, n, limits, what in (
        ("widget-bundle-size", p95_largest, n_largest, policy.per_widget, "the largest widget"),
        ("widget-bundle-total", p95_total, len(totals), policy.total, "the unique-file total"),
    ):
        why = (
            f"P95 over {n} builds of {what} ({algo})" if n else f"no build recorded in {span.label}"
        )
        out.append(
            Slo(
                id=slo_id,  # type: ignore[arg-type]
                title=f"{spec(slo_id).title} (P95, {algo})",  # type: ignore[arg-type]
                status=upper_status(value, limits.warning, limits.critical),
                value=value,
                unit="bytes",
                target=limits.critical,
                warning=limits.warning,
                samples=n,
                window=span.label,
                detail=why,
            )
        )
    return out


def _size_detail(out: BundlesOut, policy: BundlesPolicy, largest: WidgetOut | None) -> str:
    if largest is None:
        return "no widgets found"
    limit = policy.per_widget.critical
    over = [w for w in out.widgets if limit is not None and _pick(w, out.limited_by) > limit]
    if not over:
        return f"largest widget: {largest.name}"
    return f"{len(over)} of {len(out.widgets)} widgets over the limit, largest {largest.name}"


def bundle_slos(
    out: BundlesOut,
    policy: BundlesPolicy,
    history: Sequence[Record],
    now: datetime,
) -> list[Slo]:
    algo: Algo = policy.compression
    largest = max(out.widgets, key=lambda w: _pick(w, algo), default=None)
    p95, n = largest_widget_history(history, algo, Span.ending(now, HISTORY_WINDOW_S))
    size_slo = Slo(
        id="widget-bundle-size",
        title=f"{spec('widget-bundle-size').title} ({algo})",
        status=upper_status(
            _pick(largest, algo) if largest else None,
            policy.per_widget.warning,
            policy.per_widget.critical,
        ),
        value=_pick(largest, algo) if largest else None,
        unit="bytes",
        target=policy.per_widget.critical,
        warning=policy.per_widget.warning,
        samples=len(out.widgets),
        window="this run",
        history=HistoryStat(percentile=0.95, value=p95, samples=n, window_s=HISTORY_WINDOW_S),
        detail=_size_detail(out, policy, largest),
    )
    total_slo = Slo(
        id="widget-bundle-total",
        title=f"{spec('widget-bundle-total').title} ({algo})",
        status=out.total.status,
        value=_pick(out.total, algo) if out.widgets else None,
        unit="bytes",
        target=policy.total.critical,
        warning=policy.total.warning,
        samples=out.total.files,
        window="this run",
    )
    return [size_slo, total_slo]
