"""Error budgets and burn rates: SLOS.md's own figures by hand, and properties (hypothesis)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slo_gate.config.policy import BudgetPolicy
from slo_gate.engine.budget import (
    BURN_WINDOWS,
    burn_rate,
    compute_budget,
    consumed_share,
    error_budget,
)
from slo_gate.engine.percentiles import nearest_rank
from slo_gate.engine.release import decide_release
from slo_gate.events import EventBucket, LatencyDigest, RatioSeries, WindowCounts
from slo_gate.slos import SloId
from slo_gate.verdict import Budget, Slo

NOW = 1_793_491_200  # 2026-11-01T00:00:00Z
MINUTE = 60
DAY = 86400
MONTH_MINUTES = 30 * 24 * 60
POLICY = BudgetPolicy()


def uniform(
    per_minute: int, bad_per_minute: int = 0, minutes: int = MONTH_MINUTES, end: int = NOW
) -> dict[int, tuple[int, int]]:
    """``per_minute`` events in every minute before ``end``, ``bad_per_minute`` of them bad."""
    return {
        end - (i + 1) * MINUTE: (per_minute - bad_per_minute, per_minute) for i in range(minutes)
    }


def with_bad(counts: dict[int, tuple[int, int]], bad: int, minutes: int) -> RatioSeries:
    """Turn ``bad`` good events into bad ones, one per minute, in the last ``minutes``."""
    counts = dict(counts)
    starts = sorted(counts, reverse=True)[:minutes]
    for i in range(bad):
        start = starts[i % len(starts)]
        good, valid = counts[start]
        counts[start] = (good - 1, valid)
    return RatioSeries.from_counts(counts)


def slo_with(budget: Budget, slo_id: SloId = "mcp-availability") -> Slo:
    return Slo(id=slo_id, status="pass", value=None, unit="%", target=99.5, budget=budget)


# ----------------------------------------------------------------------------- SLOS.md figures


def test_995_over_30_days_is_216_minutes_of_budget() -> None:
    # one event a minute: the budget in events is the budget in minutes
    series = RatioSeries.from_counts(uniform(1))
    budget = compute_budget(series, 0.995, POLICY, NOW)
    assert budget.valid == 43_200
    assert budget.allowed_bad == 216.0
    assert budget.consumed == 0.0
    assert budget.remaining == 1.0


@pytest.mark.parametrize(
    ("bad_minutes", "consumed", "state"),
    [(0, 0.0, "open"), (161, 161 / 216, "open"), (162, 0.75, "paused"), (215, 215 / 216, "paused"),
     (216, 1.0, "rollback"), (300, 300 / 216, "rollback")],
)  # fmt: skip
def test_minutes_of_downtime_against_216(bad_minutes: int, consumed: float, state: str) -> None:
    series = with_bad(uniform(1), bad_minutes, MONTH_MINUTES)
    budget = compute_budget(series, 0.995, POLICY, NOW)
    assert budget.bad == bad_minutes
    assert budget.consumed == pytest.approx(consumed, rel=1e-12)
    assert budget.remaining == pytest.approx(max(0.0, 1 - consumed), abs=1e-12)
    assert decide_release([slo_with(budget)], POLICY).release.state == state


@pytest.mark.parametrize("valid", [8_000, 43_200, 80_000, 1_000_000])
def test_pause_iff_availability_at_most_99_625_and_rollback_iff_at_most_99_5(valid: int) -> None:
    """consumed = (1 − A) / 0.5 %: ≥ 75 % ⇔ A ≤ 99.625 %; ≥ 100 % ⇔ A ≤ 99.5 % — exactly."""
    pause_bad = valid * 375 // 100_000  # 0.375 % of valid: availability 99.625 %
    rollback_bad = valid * 5 // 1000  # 0.5 %: availability 99.5 %
    assert Fraction(valid - pause_bad, valid) == Fraction(99625, 100_000)
    cases = [
        (pause_bad - 1, "open"),
        (pause_bad, "paused"),
        (rollback_bad - 1, "paused"),
        (rollback_bad, "rollback"),
    ]
    for bad, state in cases:
        budget = compute_budget(
            RatioSeries((EventBucket(NOW - DAY, valid - bad, valid),)), 0.995, POLICY, NOW
        )
        release = decide_release([slo_with(budget)], POLICY).release
        assert release.state == state, (valid, bad, budget.consumed)


def test_seven_day_burn_of_15_over_7_is_the_50_percent_alert_with_uniform_traffic() -> None:
    """bad₇d / (B·valid₃₀d) = burn₇d · 7/30 ≥ 0.5 ⇔ burn₇d ≥ 15/7 = 2.142857…"""
    base = uniform(1)  # 43,200 valid; B·valid₃₀d = 216; valid₇d = 10,080
    threshold = Fraction(15, 7)
    assert float(threshold) == pytest.approx(2.142857, abs=1e-6)
    seen = set()
    for bad in range(100, 117):
        budget = compute_budget(with_bad(base, bad, 7 * 24 * 60), 0.995, POLICY, NOW)
        burn7 = budget.burn_rates["7d"]
        assert burn7 == pytest.approx(bad / (10_080 * 0.005), rel=1e-12)
        fired = any(a.name == "policy" for a in budget.alerts)
        assert fired == (Fraction(bad, 10_080) / Fraction(1, 200) >= threshold)
        assert fired == (bad >= 108)  # 108 = half of the 216 allowed
        seen.add(fired)
    assert seen == {True, False}


# ----------------------------------------------------------------------------- burn-rate alerts


@pytest.mark.parametrize(
    ("bad_per_minute", "minutes", "expected"),
    [
        (72, 60, {"page-fast"}),  # 7.2 % of 1,000 = 14.4 × 0.5 % over 1 h and 5 min
        (71, 60, set()),  # 14.2×: just below
        (30, 360, {"page-slow"}),  # 6× over 6 h and 30 min; 1 h and 5 min burn 6× too
        (15, 24 * 60, {"ticket-fast", "ticket-slow"}),  # 3× over 1 d and 2 h; 1× over 3 d
        (5, 3 * 24 * 60, {"ticket-slow"}),  # 1× over 3 d and 6 h
    ],
)
def test_multiwindow_alerts(bad_per_minute: int, minutes: int, expected: set[str]) -> None:
    counts = uniform(1000)
    for start in sorted(counts, reverse=True)[:minutes]:
        counts[start] = (1000 - bad_per_minute, 1000)
    budget = compute_budget(RatioSeries.from_counts(counts), 0.995, POLICY, NOW)
    fired = {a.name for a in budget.alerts} - {"policy"}
    assert fired == expected
    for alert in budget.alerts:
        assert alert.severity in ("page", "ticket", "warning")


def test_short_window_must_still_burn() -> None:
    """A burst that stopped 10 minutes ago pages no one: the 5-minute window is clean."""
    counts = uniform(1000)
    for start in sorted(counts, reverse=True)[10:60]:
        counts[start] = (900, 1000)
    budget = compute_budget(RatioSeries.from_counts(counts), 0.995, POLICY, NOW)
    assert (budget.burn_rates["1h"] or 0) > 14.4
    assert budget.burn_rates["5m"] == 0.0
    assert not [a for a in budget.alerts if a.name == "page-fast"]


def test_burn_rates_reported_for_every_window() -> None:
    budget = compute_budget(RatioSeries.from_counts(uniform(400, 1)), 0.995, POLICY, NOW)
    assert list(budget.burn_rates) == list(BURN_WINDOWS)
    assert {"1h", "6h", "1d", "3d", "7d", "30d"} <= set(budget.burn_rates)
    assert all(rate == pytest.approx(0.5) for rate in budget.burn_rates.values())


def test_time_to_exhaustion_is_remaining_times_window_over_recent_burn() -> None:
    # 1 bad in 400 a minute: error ratio 0.25 %, burn 0.5×, consumed 50 %, 30 d to go
    budget = compute_budget(RatioSeries.from_counts(uniform(400, 1)), 0.995, POLICY, NOW)
    assert budget.consumed == pytest.approx(0.5)
    assert budget.burn_rate == pytest.approx(0.5)
    assert budget.time_to_exhaustion_s == pytest.approx(0.5 * 30 * DAY / 0.5)
    # spent: nothing left
    spent = compute_budget(RatioSeries.from_counts(uniform(200, 1)), 0.995, POLICY, NOW)
    assert spent.remaining == 0.0
    assert spent.time_to_exhaustion_s == 0.0
    # not burning: never exhausted
    clean = compute_budget(RatioSeries.from_counts(uniform(10)), 0.995, POLICY, NOW)
    assert clean.time_to_exhaustion_s is None


def test_insufficient_data_below_min_events() -> None:
    series = RatioSeries((EventBucket(NOW - 3 * DAY, 10, 19),))
    budget = compute_budget(series, 0.995, POLICY, NOW)
    assert budget.insufficient_data
    assert budget.alerts == []
    assert all(rate is None for rate in budget.burn_rates.values())
    assert budget.consumed > 1  # still shown ...
    assert decide_release([slo_with(budget)], POLICY).release.state == "open"  # ... not decisive
    enough = compute_budget(RatioSeries((EventBucket(NOW - 3 * DAY, 10, 20),)), 0.995, POLICY, NOW)
    assert not enough.insufficient_data
    assert enough.burn_rates["1h"] is None  # this window holds nothing
    assert enough.burn_rates["1d"] is None
    assert enough.burn_rates["3d"] == pytest.approx(0.5 / 0.005)  # starts exactly 3 d ago: in


def test_events_outside_the_window_do_not_count() -> None:
    series = RatioSeries((EventBucket(NOW - 31 * DAY, 0, 1000), EventBucket(NOW - DAY, 1000, 1000)))
    budget = compute_budget(series, 0.995, POLICY, NOW)
    assert (budget.valid, budget.bad, budget.consumed) == (1000, 0, 0.0)


def test_zero_budget_and_bad_arguments() -> None:
    assert consumed_share(1, 10, Fraction(0)) == 1
    assert consumed_share(0, 0, Fraction(1, 200)) == 0
    assert burn_rate(WindowCounts(5, 10), Fraction(0)) is None
    with pytest.raises(ValueError, match="bad <= valid"):
        consumed_share(11, 10, Fraction(1, 200))
    with pytest.raises(ValueError, match="target"):
        error_budget(1.5)
    with pytest.raises(ValueError, match="good <= valid"):
        EventBucket(0, 5, 4)
    with pytest.raises(ValueError, match="sorted"):
        RatioSeries((EventBucket(60, 1, 1), EventBucket(0, 1, 1)))


# ----------------------------------------------------------------------------- properties

targets = st.sampled_from([0.9, 0.95, 0.99, 0.995, 0.999])


@given(
    valid=st.integers(1, 10**7),
    bad=st.integers(0, 10**7),
    more=st.integers(0, 10**7),
    target=targets,
)
def test_consumed_grows_with_bad_events_and_is_never_negative(
    valid: int, bad: int, more: int, target: float
) -> None:
    b = error_budget(target)
    low, high = min(bad, valid), min(bad + more, valid)
    assert 0 <= consumed_share(low, valid, b) <= consumed_share(high, valid, b)


@given(
    buckets=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=40),
    flips=st.lists(st.integers(0, 39), max_size=20),
    target=targets,
)
def test_budget_consumed_grows_when_good_events_turn_bad(
    buckets: list[tuple[int, int]], flips: list[int], target: float
) -> None:
    counts = {NOW - (i + 1) * 3600: (g, g + b) for i, (g, b) in enumerate(buckets)}
    before = compute_budget(RatioSeries.from_counts(counts), target, POLICY, NOW)
    starts = sorted(counts)
    for flip in flips:
        start = starts[flip % len(starts)]
        good, valid = counts[start]
        counts[start] = (max(0, good - 1), valid)
    after = compute_budget(RatioSeries.from_counts(counts), target, POLICY, NOW)
    assert 0 <= before.consumed <= after.consumed
    assert before.remaining >= after.remaining >= 0


@given(bad=st.integers(0, 1000), valid=st.integers(1, 1000), k=st.integers(0, 50), target=targets)
def test_burn_rate_is_linear_in_the_error_ratio(
    bad: int, valid: int, k: int, target: float
) -> None:
    bad = min(bad, valid)
    b = error_budget(target)
    rate = burn_rate(WindowCounts(valid - bad, valid), b)
    assert rate == Fraction(bad, valid) / b
    scaled_valid = valid * max(k, 1)
    scaled = burn_rate(WindowCounts(scaled_valid - bad, scaled_valid), b)
    assert scaled is not None and rate is not None
    assert scaled * max(k, 1) == rate  # the same bad events among k times the traffic


values = st.lists(st.integers(0, 10**6), min_size=1, max_size=200)
ps = st.floats(0, 1, allow_nan=False)


@given(data=values, p=ps, q=ps)
def test_percentiles_are_monotone_in_p(data: list[int], p: float, q: float) -> None:
    low, high = sorted((p, q))
    a, b = nearest_rank(data, low), nearest_rank(data, high)
    assert a is not None and b is not None and a <= b


@given(data=values, bumps=st.lists(st.integers(0, 1000), min_size=200, max_size=200), p=ps)
def test_percentiles_are_monotone_in_the_data(data: list[int], bumps: list[int], p: float) -> None:
    raised = [v + d for v, d in zip(data, bumps, strict=False)]
    a, b = nearest_rank(data, p), nearest_rank(raised, p)
    assert a is not None and b is not None and a <= b


@given(data=values, p=ps, seed=st.integers(0, 2**32))
def test_latency_digest_is_exact_nearest_rank_in_any_order(
    data: list[int], p: float, seed: int
) -> None:
    digest = LatencyDigest()
    shuffled = list(data)
    random.Random(seed).shuffle(shuffled)
    for micros in shuffled:
        digest.add_us(micros)
    assert digest.n == len(data)
    assert digest.percentile_us(p) == nearest_rank(data, p)


def test_nearest_rank_by_hand() -> None:
    data = [float(v) for v in range(1, 21)]  # 1..20
    assert nearest_rank(data, 0.95) == 19.0  # ceil(0.95·20) = 19
    assert nearest_rank(data, 0.5) == 10.0
    assert nearest_rank(data, 0.0) == 1.0
    assert nearest_rank(data, 1.0) == 20.0
    assert nearest_rank([], 0.5) is None
    assert nearest_rank([3.0, 1.0, 2.0], 0.34) == 2.0  # ceil(1.02) = 2


@given(
    events=st.lists(
        st.tuples(st.integers(0, 30 * DAY - 1), st.booleans()), min_size=0, max_size=300
    ),
    seed=st.integers(0, 2**32),
    target=targets,
)
def test_budget_does_not_depend_on_the_order_of_events(
    events: list[tuple[int, bool]], seed: int, target: float
) -> None:
    def budget_of(order: list[tuple[int, bool]]) -> Budget:
        counts: dict[int, tuple[int, int]] = {}
        for offset, ok in order:
            start = NOW - 30 * DAY + offset // 60 * 60
            good, valid = counts.get(start, (0, 0))
            counts[start] = (good + ok, valid + 1)
        return compute_budget(RatioSeries.from_counts(counts), target, POLICY, NOW)

    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    assert budget_of(events) == budget_of(shuffled)


def test_series_from_events_aligns_buckets_to_now() -> None:
    series = RatioSeries.from_events(
        [(NOW - 1, 1, 1), (NOW - 60, 0, 1), (NOW - 60.5, 1, 1), (NOW, 1, 2), (NOW + 1, 9, 9)],
        end_s=NOW,
    )
    assert [(b.start_s, b.good, b.valid) for b in series.buckets] == [
        (NOW - 120, 1, 1),
        (NOW - 60, 2, 4),
    ]
    assert series.last(60, NOW) == WindowCounts(2, 4)
    assert RatioSeries.merge([series, series]).total == WindowCounts(6, 10)
