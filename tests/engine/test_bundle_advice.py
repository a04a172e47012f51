"""Per-file sizes, shared-file advice and changes, on a real Vite build with shared chunks.

``tests/fixtures/vite-widgets`` holds two builds of one multi-page Vite 8 project (see its
``make_sources.py``): five widgets, three of which share an ``app`` chunk and a ``vendor`` chunk;
``dist-grown`` is the same project after the ``app`` module gained code (a re-hashed chunk).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from slo_gate.collectors.bundles import collect_bundles
from slo_gate.config.policy import BundlesPolicy, Policy, SizeThresholds, WidgetSource
from slo_gate.engine.bundles import bundle_record
from slo_gate.engine.evaluate import EngineInput, evaluate
from slo_gate.measurements import BundleMeasurement, Measurements
from slo_gate.records import Record
from slo_gate.verdict import BundlesOut

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vite-widgets"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
LIMIT = 7_500  # gzip bytes: the three chat widgets (7.53-7.61 KB) are over, the others under


def _policy(root: str) -> Policy:
    bundles = BundlesPolicy(
        root=root,
        widgets=WidgetSource(html="src/widgets/*/index.html"),
        per_widget=SizeThresholds(critical=LIMIT),
        total=SizeThresholds(critical=100_000),
    )
    return Policy(bundles=bundles)


def _measure(root: str) -> BundleMeasurement:
    m = collect_bundles(_policy(root).bundles, FIXTURE)
    assert not m.problems, m.problems
    return m


def _bundles(root: str, baseline: Record | None = None) -> tuple[BundlesOut, BundleMeasurement]:
    m = _measure(root)
    verdict = evaluate(
        EngineInput(
            measurements=Measurements(bundles=m),
            policy=_policy(root),
            now=NOW,
            baseline=baseline,
            baseline_how="test",
        )
    )
    assert verdict.bundles is not None
    return verdict.bundles, m


def test_files_hold_exact_sums() -> None:
    out, m = _bundles("dist")
    assert len(out.widgets) == 5
    assert sorted(f.path for f in out.files) == sorted(m.files)  # each unique file once
    for key in ("raw", "gzip", "brotli"):
        assert sum(getattr(f, key) for f in out.files) == getattr(out.total, key)
    by_path = {f.path: f for f in out.files}
    for w in out.widgets:
        assert w.own is not None and w.shared is not None
        for key in ("raw", "gzip", "brotli"):
            assert getattr(w.own, key) + getattr(w.shared, key) == getattr(w, key)
            assert sum(getattr(by_path[p], key) for p in w.files) == getattr(w, key)
        for p in w.files:
            assert w.name in by_path[p].widgets
    app = next(f for f in out.files if f.path.startswith("assets/app-"))
    assert app.widgets == ["chat-a", "chat-b", "chat-c"]
    weather = next(w for w in out.widgets if w.name == "weather")
    assert weather.shared is not None and weather.shared.gzip == 0


def _cleared(out: BundlesOut, path: str, cut: int) -> int:
    """Brute force: over-limit widgets loading ``path`` at or under the limit after the cut."""
    return sum(
        1 for w in out.widgets if w.gzip > LIMIT and path in w.files and w.gzip - cut <= LIMIT
    )


def test_advice_equals_brute_force() -> None:
    out, _ = _bundles("dist")
    over = [w.name for w in out.widgets if w.gzip > LIMIT]
    assert over == ["chat-a", "chat-b", "chat-c"], [(w.name, w.gzip) for w in out.widgets]
    assert out.advice, "the shared chunks of over-limit widgets give advice"
    by_path = {f.path: f for f in out.files}
    advised = {a.path for a in out.advice}
    for f in out.files:
        loaders = [n for n in f.widgets if n in over]
        # every cut at which one more widget clears, found by trying every byte count
        expected = [
            (c, _cleared(out, f.path, c))
            for c in range(1, f.gzip + 1)
            if _cleared(out, f.path, c) > _cleared(out, f.path, c - 1)
        ]
        if not expected:
            assert f.path not in advised
            continue
        a = next(a for a in out.advice if a.path == f.path)
        assert [(s.reduce_gzip_by, s.would_clear) for s in a.steps] == expected
        assert (a.gzip, a.widgets) == (by_path[f.path].gzip, loaders)
    first = out.advice[0]
    assert first.steps[-1].would_clear == len(over)  # a shared chunk clears them all


def test_a_rehashed_grown_chunk_is_changed_not_added() -> None:
    before, m = _bundles("dist")
    baseline = Record(
        recorded_at=NOW,
        commit="b" * 40,
        branch="main",
        bundles=bundle_record(before, m),
    )
    after, _ = _bundles("dist-grown", baseline)
    assert after.changes is not None
    assert after.changes.added == [] and after.changes.removed == []
    old_app = next(f for f in before.files if f.path.startswith("assets/app-"))
    new_app = next(f for f in after.files if f.path.startswith("assets/app-"))
    assert old_app.path != new_app.path  # re-hashed
    changed = {c.path: c for c in after.changes.changed}
    assert (changed[new_app.path].gzip_before, changed[new_app.path].gzip_after) == (
        old_app.gzip,
        new_app.gzip,
    )
    assert new_app.gzip > old_app.gzip
    chat = next(w for w in after.widgets if w.name == "chat-a")
    assert chat.delta is not None and chat.delta.gzip > 0
    # the widget's delta is explained by the files that moved it, exactly
    moved = sum((mv.gzip_after or 0) - (mv.gzip_before or 0) for mv in chat.moved_by)
    assert moved == chat.delta.gzip
    assert chat.moved_by[0].path == new_app.path  # the largest move first
    weather = next(w for w in after.widgets if w.name == "weather")
    assert weather.moved_by == [] and weather.delta is not None and weather.delta.gzip == 0


@pytest.mark.parametrize("files", [{}, None])
def test_no_changes_without_per_file_baseline(files: dict[str, object] | None) -> None:
    before, m = _bundles("dist")
    record = bundle_record(before, m).model_copy(update={"files": {}})
    baseline = Record(recorded_at=NOW, commit="c", bundles=record if files is not None else None)
    after, _ = _bundles("dist-grown", baseline)
    assert after.changes is None


def test_vite_manifest_mode_names_widgets_like_html_mode() -> None:
    html = _measure("dist")
    policy = BundlesPolicy(root="dist", widgets=WidgetSource(vite_manifest=".vite/manifest.json"))
    manifest = collect_bundles(policy, FIXTURE)
    assert not manifest.problems, manifest.problems
    assert [w.name for w in manifest.widgets] == [w.name for w in html.widgets]
    for a, b in zip(html.widgets, manifest.widgets, strict=True):
        # the same JS and CSS; the manifest mode does not count the HTML entry
        assert {f for f in a.files if not f.endswith(".html")} == set(b.files)
        assert len(a.files) == len(b.files) + 1  # the entry's HTML file


def test_the_story_names_the_grown_shared_chunk_once_with_its_widgets() -> None:
    """What the comment's first lines say of the grown ``app`` chunk: once, with its widgets."""
    from slo_gate.formatting import short_bytes
    from slo_gate.render.bundle_story import moved_sentences

    before, m = _bundles("dist")
    baseline = Record(
        recorded_at=NOW, commit="b" * 40, branch="main", bundles=bundle_record(before, m)
    )
    after, _ = _bundles("dist-grown", baseline)
    old_app = next(f for f in before.files if f.path.startswith("assets/app-"))
    new_app = next(f for f in after.files if f.path.startswith("assets/app-"))
    grown = sorted(
        (w for w in after.widgets if w.delta is not None and w.delta.gzip != 0),
        key=lambda w: (-(w.delta.gzip if w.delta else 0), w.name),
    )
    assert len(grown) == 3 and all(w.moved_by[0].path == new_app.path for w in grown)
    widgets = ", ".join(f"{w.name} +{w.delta.gzip} B" for w in grown if w.delta)
    assert moved_sentences(after, str) == [
        f"{new_app.path} {short_bytes(old_app.gzip)} → {short_bytes(new_app.gzip)} "
        f"(+{new_app.gzip - old_app.gzip} B), "
        f"the largest change in 3 widgets: {widgets}"
    ]
