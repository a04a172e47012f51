"""CI pass rate: table tests with hand-computed expectations (DESIGN.md "CI pass rate")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slo_gate.config.policy import BudgetPolicy, CiPolicy
from slo_gate.engine.ci import ci_slo, classify, pass_events, pass_rate
from slo_gate.engine.window import Span
from slo_gate.runs import RunSummary

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
WEEK_SPAN = Span.ending(NOW, CiPolicy().pass_rate.window)
WEEK = 7 * 86400.0


def run(
    rid: int,
    conclusion: str | None = "success",
    *,
    hours_ago: float = 1,
    attempt: int = 1,
    first: str | None = None,
    status: str = "completed",
    branch: str = "main",
) -> RunSummary:
    return RunSummary(
        id=rid,
        head_branch=branch,
        status=status,
        conclusion=conclusion,
        run_attempt=attempt,
        created_at=NOW - timedelta(hours=hours_ago),
        first_attempt_conclusion=first,
    )


@pytest.mark.parametrize(
    ("conclusion", "outcome"),
    [
        ("success", "pass"),
        ("failure", "fail"),
        ("timed_out", "fail"),
        ("startup_failure", "fail"),
        ("cancelled", "excluded"),
        ("skipped", "excluded"),
        ("neutral", "excluded"),
        ("action_required", "excluded"),
        ("stale", "excluded"),
    ],
)
def test_conclusions(conclusion: str, outcome: str) -> None:
    assert classify(run(1, conclusion)).outcome == outcome


def test_in_progress_is_excluded() -> None:
    c = classify(run(1, None, status="in_progress"))
    assert (c.outcome, c.reason) == ("in-progress", "in progress")


# Table: (runs, attempts) -> (passed, failed, excluded, in progress, flaky ids)
CASES = [
    pytest.param([run(1), run(2), run(3, "failure")], "final", (2, 1, {}, 0, ()), id="plain"),
    pytest.param(
        [run(1), run(2, "cancelled"), run(3, "skipped"), run(4, "failure")],
        "final",
        (1, 1, {"cancelled": 1, "skipped": 1}, 0, ()),
        id="cancelled-skipped-excluded",
    ),
    pytest.param(
        [run(1), run(2, None, status="in_progress"), run(3, None, status="queued")],
        "final",
        (1, 0, {}, 2, ()),
        id="in-progress",
    ),
    # run 2 failed first, passed on attempt 2: final counts a pass, reported flaky
    pytest.param(
        [run(1), run(2, attempt=2, first="failure"), run(3, "failure", attempt=2, first="failure")],
        "final",
        (2, 1, {}, 0, (2,)),
        id="rerun-final",
    ),
    # the same runs counted by first attempt: 2 is a failure (still reported flaky)
    pytest.param(
        [run(1), run(2, attempt=2, first="failure"), run(3, "failure", attempt=2, first="failure")],
        "first",
        (1, 2, {}, 0, (2,)),
        id="rerun-first",
    ),
    pytest.param(
        [run(1), run(2, attempt=3)],
        "first",
        (1, 0, {"first attempt unknown": 1}, 0, (2,)),
        id="first-unknown",
    ),
    pytest.param(
        [run(1, hours_ago=24 * 7 + 1), run(2, "failure", hours_ago=24 * 6), run(3, branch="dev")],
        "final",
        (0, 1, {}, 0, ()),
        id="window-and-branch",
    ),
    # one run seen twice (cache and a newer listing): the later attempt wins
    pytest.param(
        [run(5, "failure"), run(5, attempt=2, first="failure")],
        "final",
        (1, 0, {}, 0, (5,)),
        id="duplicate-latest-attempt-wins",
    ),
]


@pytest.mark.parametrize(("runs", "attempts", "expected"), CASES)
def test_pass_rate_table(
    runs: list[RunSummary],
    attempts: str,
    expected: tuple[int, int, dict[str, int], int, tuple[int, ...]],
) -> None:
    r = pass_rate(runs, now=NOW, window_s=WEEK, attempts=attempts, branches=["main"])  # type: ignore[arg-type]
    assert (r.passed, r.failed, r.excluded, r.in_progress, r.flaky) == expected


def test_rate_is_passed_over_counted() -> None:
    runs = [run(i) for i in range(1, 39)] + [run(100, "failure"), run(101, "cancelled")]
    r = pass_rate(runs, now=NOW, window_s=WEEK)
    assert r.n == 39
    assert r.rate == pytest.approx(38 / 39)


def test_slo_thresholds_and_budget() -> None:
    # 38 of 40 pass = 95.0 %: not below critical 95 %, below warning 97 % -> warn
    runs = [run(i, hours_ago=i) for i in range(1, 39)] + [
        run(100, "failure", hours_ago=2),
        run(101, "failure", hours_ago=3),
    ]
    slo, _ = ci_slo(runs, CiPolicy(), BudgetPolicy(), WEEK_SPAN)
    assert (slo.id, slo.status, slo.unit, slo.samples, slo.window) == (
        "ci-pass-rate",
        "warn",
        "%",
        40,
        "7d",
    )
    assert slo.value == pytest.approx(95.0)
    assert slo.target == pytest.approx(95.0)
    assert slo.warning == pytest.approx(97.0)
    assert slo.budget is not None
    # budget 5 % of 40 = 2 bad allowed; 2 bad -> consumed exactly 1.0
    assert (slo.budget.valid, slo.budget.bad) == (40, 2)
    assert slo.budget.consumed == pytest.approx(1.0)
    assert "38 of 40" in slo.detail


def test_slo_fails_below_critical() -> None:
    runs = [run(i, hours_ago=i) for i in range(1, 20)] + [
        run(100 + i, "failure", hours_ago=i) for i in range(2)
    ]
    slo, _ = ci_slo(
        runs, CiPolicy(), BudgetPolicy(min_events=5), Span.ending(NOW, CiPolicy().pass_rate.window)
    )
    assert slo.status == "fail"  # 19/21 = 90.5 %
    assert slo.value == pytest.approx(1900 / 21)


def test_no_runs_is_no_data_not_pass() -> None:
    slo, _ = ci_slo(
        [run(1, "cancelled")],
        CiPolicy(),
        BudgetPolicy(),
        Span.ending(NOW, CiPolicy().pass_rate.window),
    )
    assert slo.status == "no-data"
    assert slo.value is None


def test_few_runs_is_insufficient_data() -> None:
    slo, _ = ci_slo(
        [run(1), run(2)],
        CiPolicy(),
        BudgetPolicy(min_events=20),
        Span.ending(NOW, CiPolicy().pass_rate.window),
    )
    assert slo.status == "no-data"
    assert "insufficient data: 2 < 20" in slo.detail


def test_events_for_budget_cover_the_budget_window() -> None:
    runs = [run(1, hours_ago=24 * 20), run(2, "failure", hours_ago=24 * 40), run(3, "cancelled")]
    events = pass_events(runs, now=NOW, window_s=30 * 86400.0)
    assert events == [(NOW - timedelta(hours=24 * 20), True)]
