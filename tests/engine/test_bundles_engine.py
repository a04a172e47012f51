from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from slo_gate.config.policy import BundlesPolicy, Policy, SizeThresholds
from slo_gate.engine.bundles import largest_widget_history
from slo_gate.engine.evaluate import EngineInput, evaluate
from slo_gate.engine.percentiles import nearest_rank
from slo_gate.engine.window import Span
from slo_gate.measurements import (
    BundleMeasurement,
    CompressionInfo,
    FileSize,
    Measurements,
    Problem,
    WidgetFiles,
)
from slo_gate.records import BundleRecord, Record, SizeRecord, WidgetRecord
from slo_gate.verdict import Verdict

NOW = datetime(2026, 11, 1, tzinfo=UTC)
INFO = CompressionInfo(zlib_version="1.3", brotli_version="1.1.0")


def measurement(
    sizes: dict[str, int], shared: int = 0, problems: tuple[Problem, ...] = ()
) -> BundleMeasurement:
    files = {
        f"{n}.js": FileSize(path=f"{n}.js", sha256=n, raw=s * 3, gzip=s, brotli=s - 10)
        for n, s in sizes.items()
    }
    if shared:
        files["shared.js"] = FileSize(
            path="shared.js", sha256="s", raw=shared * 3, gzip=shared, brotli=shared - 10
        )
    widgets = tuple(
        WidgetFiles(name=n, entry=f"{n}.js", files=(f"{n}.js", *(("shared.js",) if shared else ())))
        for n in sizes
    )
    return BundleMeasurement(
        root="dist", mode="html", widgets=widgets, files=files, compression=INFO, problems=problems
    )


def run(
    m: BundleMeasurement,
    policy: Policy | None = None,
    history: Sequence[Record] = (),
    baseline: Record | None = None,
    baseline_how: str = "",
) -> Verdict:
    return evaluate(
        EngineInput(
            measurements=Measurements(bundles=m),
            policy=policy or Policy(),
            now=NOW,
            history=history,
            baseline=baseline,
            baseline_how=baseline_how,
        )
    )


@pytest.mark.parametrize(
    ("largest", "decision", "status"),
    [
        (100_000, "pass", "pass"),
        (240_000, "pass", "pass"),  # at the warning threshold: not above it
        (240_001, "warn", "warn"),
        (250_000, "warn", "warn"),  # at the critical limit: "≤ 250 KB" holds
        (250_001, "fail", "fail"),
    ],
)
def test_three_decisions(largest: int, decision: str, status: str) -> None:
    v = run(measurement({"a": 1000, "b": largest}))
    assert v.decision == decision
    slo = v.slo_map["widget-bundle-size"]
    assert (slo.status, slo.value, slo.target, slo.warning) == (status, largest, 250_000, 240_000)
    over = "1 of 2 widgets over the limit, largest b"
    assert slo.detail == (over if status == "fail" else "largest widget: b")
    if status == "fail":  # the reason names the widgets, not only the size
        assert any(r.endswith(over) for r in v.reasons), v.reasons


def test_shared_chunk_counts_once_in_total_and_in_each_widget() -> None:
    v = run(measurement({"a": 100_000, "b": 120_000}, shared=50_000))
    assert v.bundles is not None
    assert {w.name: w.gzip for w in v.bundles.widgets} == {"a": 150_000, "b": 170_000}
    assert v.bundles.total.gzip == 270_000
    assert v.bundles.total.files == 3


def test_total_budget_fails_on_its_own() -> None:
    v = run(measurement({f"w{i}": 200_000 for i in range(6)}))
    assert v.decision == "fail"
    assert v.slo_map["widget-bundle-total"].status == "fail"
    assert v.slo_map["widget-bundle-size"].status == "pass"


def test_brotli_budget() -> None:
    policy = Policy(
        bundles=BundlesPolicy(compression="brotli", per_widget=SizeThresholds(critical=100_000))
    )
    v = run(measurement({"a": 100_005}), policy)  # brotli = gzip - 10 = 99,995
    assert v.decision == "pass"
    assert v.slo_map["widget-bundle-size"].value == 99_995


@pytest.mark.parametrize(("on_missing", "decision"), [("fail", "fail"), ("warn", "warn")])
def test_on_missing_decides(on_missing: str, decision: str) -> None:
    problem = Problem(
        code="bundle-missing-asset", message="x", path="dist/a.html", line=3, source="bundles"
    )
    policy = Policy(bundles=BundlesPolicy(on_missing=on_missing))  # type: ignore[arg-type]
    v = run(measurement({"a": 10}, problems=(problem,)), policy)
    assert v.decision == decision
    assert v.problems == [problem]


def test_no_widgets_is_no_data_and_never_a_silent_pass() -> None:
    problem = Problem(code="bundle-no-widgets", message="none", source="bundles")
    m = BundleMeasurement(
        root="dist", mode="html", widgets=(), files={}, compression=INFO, problems=(problem,)
    )
    v = run(m)
    assert v.decision == "fail"
    assert v.slo_map["widget-bundle-size"].status == "no-data"
    assert v.slo_map["widget-bundle-total"].status == "no-data"


def _record(day: int, sizes: dict[str, int], branch: str = "main") -> Record:
    widgets = {n: WidgetRecord(raw=s, gzip=s, brotli=s) for n, s in sizes.items()}
    total = SizeRecord(
        raw=sum(sizes.values()), gzip=sum(sizes.values()), brotli=sum(sizes.values())
    )
    return Record(
        recorded_at=NOW - timedelta(days=day),
        commit=f"c{day}",
        branch=branch,
        bundles=BundleRecord(widgets=widgets, total=total),
    )


def test_deltas_new_and_removed_widgets_against_baseline() -> None:
    base = _record(1, {"a": 90_000, "gone": 5})
    v = run(measurement({"a": 100_000, "new": 7}), baseline=base, baseline_how="last record")
    assert v.bundles is not None
    by_name = {w.name: w for w in v.bundles.widgets}
    assert by_name["a"].delta is not None
    assert by_name["a"].delta.gzip == 10_000
    assert by_name["new"].new and by_name["new"].delta is None
    assert v.bundles.removed == ["gone"]
    assert v.bundles.baseline is not None
    assert v.bundles.baseline.commit == "c1"


def test_p95_of_largest_widget_over_30_days() -> None:
    history = [_record(d, {"a": 1000 + d, "b": 10}) for d in range(40)]  # 40 days back
    value, n = largest_widget_history(history, "gzip", Span.ending(NOW, 30 * 86400))
    assert n == 30  # days 0..29: a window is (start, end], like every other SLO window
    in_window = sorted(1000 + d for d in range(30))
    assert value == in_window[28]  # ceil(0.95 * 30) = 29th smallest
    v = run(measurement({"a": 5}), history=history)
    hist = v.slo_map["widget-bundle-size"].history
    assert hist is not None
    assert (hist.value, hist.samples) == (value, 30)


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 0.95, None),
        ([5.0], 0.95, 5.0),
        ([float(i) for i in range(1, 21)], 0.95, 19.0),  # ceil(19.0) = 19: not 20 (float care)
        ([float(i) for i in range(1, 101)], 0.95, 95.0),
        ([float(i) for i in range(1, 101)], 0.5, 50.0),
        ([3.0, 1.0, 2.0], 1.0, 3.0),
        ([3.0, 1.0, 2.0], 0.0, 1.0),
    ],
)
def test_nearest_rank(values: list[float], p: float, expected: float | None) -> None:
    assert nearest_rank(values, p) == expected


def test_same_inputs_same_verdict() -> None:
    m = measurement({"a": 1, "b": 2}, shared=3)
    assert run(m) == run(m)
