"""Build time: P95 (nearest rank), share within the limit, this-run status; hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_gate.config.policy import BudgetPolicy, BuildTimePolicy
from slo_gate.engine.build_time import build_time_slo, build_time_stats
from slo_gate.engine.window import Span
from slo_gate.runs import BuildSample

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
POLICY = BuildTimePolicy()  # warning 240 s, critical 300 s, window 30 d
SPAN = Span.ending(NOW, POLICY.window)


def sample(seconds: float, days_ago: float, rid: int) -> BuildSample:
    return BuildSample(at=NOW - timedelta(days=days_ago), seconds=seconds, run_id=rid)


# 20 builds 100..290 s step 10 (within 300), so nearest-rank P95 = ceil(0.95*20) = 19th = 280
HISTORY = [sample(100 + 10 * i, days_ago=i + 0.5, rid=i) for i in range(20)]


@pytest.mark.parametrize(
    ("history", "this_run", "p95", "n", "within"),
    [
        pytest.param(HISTORY, None, 280.0, 20, 20, id="20-samples"),
        # adding 400 s: 21 values, ceil(0.95*21)=20th smallest = 290; within 20 of 21
        pytest.param(HISTORY, sample(400, 0, 99), 290.0, 21, 20, id="this-run-added"),
        # the same run already in history is not counted twice
        pytest.param(HISTORY, sample(100, 0.5, 0), 280.0, 20, 20, id="dedupe-by-run"),
        # older than 30 days is outside the window
        pytest.param([sample(999, 31, 1), sample(60, 1, 2)], None, 60.0, 1, 1, id="window"),
        pytest.param([], None, None, 0, 0, id="empty"),
    ],
)
def test_p95_table(
    history: list[BuildSample],
    this_run: BuildSample | None,
    p95: float | None,
    n: int,
    within: int,
) -> None:
    stats = build_time_stats(history, this_run, SPAN, POLICY)
    assert (stats.p95_s, stats.n, stats.within) == (p95, n, within)


def test_this_run_over_critical_fails() -> None:
    slo, stats = build_time_slo(HISTORY, sample(301, 0, 99), SPAN, POLICY, BudgetPolicy())
    assert (slo.id, slo.status, slo.value, slo.unit, slo.target) == (
        "widget-build-time",
        "fail",
        301,
        "s",
        300,
    )
    assert slo.history is not None
    assert (slo.history.value, slo.history.samples) == (290.0, 21)
    assert stats.share_within == pytest.approx(20 / 21)
    assert "20 of 21 builds (95.2 %) within 5 min" in slo.detail


def test_this_run_over_warning_warns() -> None:
    slo, _ = build_time_slo([], sample(241, 0, 1), SPAN, POLICY, BudgetPolicy())
    assert slo.status == "warn"


def test_history_alone_never_fails_the_change() -> None:
    slow = [sample(400, i + 0.1, i) for i in range(5)]
    slo, _ = build_time_slo(slow, None, SPAN, POLICY, BudgetPolicy())
    assert (slo.status, slo.value, slo.window) == ("warn", 400, "30d")


def test_no_build_is_no_data() -> None:
    slo, _ = build_time_slo([], None, SPAN, POLICY, BudgetPolicy())
    assert (slo.status, slo.value) == ("no-data", None)


def test_budget_counts_builds_within_limit() -> None:
    # 19 within + 1 over: budget 5 % of 20 = 1 allowed bad -> consumed 1.0
    hist = [sample(100, i + 0.1, i) for i in range(19)] + [sample(350, 2.5, 50)]
    slo, _ = build_time_slo(hist, None, SPAN, POLICY, BudgetPolicy())
    assert slo.budget is not None
    assert (slo.budget.valid, slo.budget.bad) == (20, 1)
    assert slo.budget.consumed == pytest.approx(1.0)
