"""The release decision, overrides and the exit-code rule (DESIGN.md's decision table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slo_gate.config.policy import BudgetPolicy
from slo_gate.engine.release import (
    ReleaseOutcome,
    apply_override,
    decide_release,
    exit_code,
)
from slo_gate.slos import SloId
from slo_gate.verdict import Budget, BurnAlert, Decision, Override, Release, Slo, Status

POLICY = BudgetPolicy()
AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def budget(bad: int, valid: int = 40_000, target: float = 0.995, **extra: object) -> Budget:
    allowed = (1 - target) * valid
    consumed = bad / allowed
    return Budget.model_validate(
        {
            "consumed": consumed,
            "remaining": max(0.0, 1 - consumed),
            "burn_rate": None,
            "target": target,
            "window_s": 30 * 86400.0,
            "valid": valid,
            "bad": bad,
            "allowed_bad": allowed,
            **extra,
        }
    )


def slo(
    slo_id: SloId = "mcp-availability", status: Status = "pass", b: Budget | None = None
) -> Slo:
    return Slo(id=slo_id, status=status, value=99.7, unit="%", target=99.5, budget=b)


def override(by: str = "octocat") -> Override:
    return Override(by=by, reason="hotfix for INC-42", at=AT, source="label")


@pytest.mark.parametrize(
    ("bad", "decision", "state"),
    [
        (0, "pass", "open"),
        (149, "pass", "open"),  # 74.5 % of the 200 allowed
        (150, "pause", "paused"),  # 75 %
        (199, "pause", "paused"),
        (200, "rollback", "rollback"),  # 100 %
        (500, "rollback", "rollback"),
    ],
)
def test_budget_thresholds(bad: int, decision: Decision, state: str) -> None:
    outcome = decide_release([slo(b=budget(bad))], POLICY)
    assert (outcome.decision, outcome.release.state) == (decision, state)


def test_reason_names_the_slo_and_its_numbers() -> None:
    outcome = decide_release([slo(b=budget(170))], POLICY)
    assert outcome.release.reason == (
        "releases paused: mcp-availability: 85 % of the error budget consumed "
        "(≥ 75 % → pause releases); 170 bad of 40,000 events in 30 d, 200.0 allowed"
    )
    assert outcome.reasons[0] == outcome.release.reason.removeprefix("releases paused: ")


def test_most_severe_budget_wins_and_every_spent_budget_is_named() -> None:
    outcome = decide_release(
        [
            slo("mcp-availability", b=budget(160)),
            slo("mcp-latency-local", b=budget(2100, target=0.95)),  # 105 %
            slo("ci-pass-rate", b=budget(10)),
        ],
        POLICY,
    )
    assert outcome.decision == "rollback"
    assert outcome.release.state == "rollback"
    assert "mcp-latency-local: 105 %" in outcome.release.reason
    assert "mcp-availability: 80 %" in outcome.release.reason
    assert "ci-pass-rate" not in outcome.release.reason


def test_policy_numbers_are_respected() -> None:
    strict = BudgetPolicy.model_validate({"pause": "50%", "rollback": "90%"})
    assert decide_release([slo(b=budget(100))], strict).release.state == "paused"
    assert decide_release([slo(b=budget(180))], strict).release.state == "rollback"


def test_insufficient_data_decides_nothing() -> None:
    outcome = decide_release([slo(b=budget(5, valid=10, insufficient_data=True))], POLICY)
    assert (outcome.decision, outcome.release.state) == ("pass", "open")


def test_alerts_warn() -> None:
    alert = BurnAlert(name="page-fast", severity="page", message="burning at 20× over 1h")
    outcome = decide_release([slo(b=budget(10, alerts=[alert]))], POLICY)
    assert outcome.decision == "warn"
    assert outcome.release.state == "open"
    assert outcome.reasons == ("mcp-availability: page-fast alert: burning at 20× over 1h",)


@pytest.mark.parametrize(
    ("status", "with_budget", "decision"),
    [
        ("pass", False, "pass"),
        ("warn", False, "warn"),
        ("fail", False, "fail"),  # a hard limit (bundle size): this change broke it
        ("fail", True, "warn"),  # a budget-backed critical: pause/rollback speak for it
        ("no-data", False, "pass"),
    ],
)
def test_statuses(status: Status, with_budget: bool, decision: Decision) -> None:
    b = budget(10) if with_budget else None
    assert decide_release([slo("widget-bundle-size", status, b)], POLICY).decision == decision


def test_fail_outranks_rollback_but_release_state_tells_the_budget() -> None:
    outcome = decide_release(
        [slo("widget-bundle-size", "fail"), slo("mcp-availability", b=budget(250))], POLICY
    )
    assert outcome.decision == "fail"
    assert outcome.release.state == "rollback"


def test_override_turns_a_pause_into_an_audited_warn() -> None:
    paused = decide_release([slo(b=budget(170))], POLICY)
    lifted = apply_override(paused, override())
    assert lifted.decision == "warn"
    assert lifted.release.state == "open"
    assert lifted.override == override()
    assert lifted.override is not None and lifted.override.applied
    for text in ("octocat", "hotfix for INC-42", "2026-11-01T09:30:00+00:00", "85 %"):
        assert text in lifted.release.reason
    assert lifted.reasons[-1].startswith("pause overridden (override by octocat")


def test_override_never_hides_a_rollback() -> None:
    spent = decide_release([slo(b=budget(230))], POLICY)
    after = apply_override(spent, override())
    assert after.decision == "rollback"
    assert after.release.state == "rollback"
    assert after.override is not None and not after.override.applied
    assert "override refused" in after.release.reason
    assert "octocat" in after.release.reason


def test_override_without_a_pause_is_recorded_as_not_applied() -> None:
    open_ = decide_release([slo(b=budget(10))], POLICY)
    after = apply_override(open_, override())
    assert after.decision == "pass"
    assert after.release == open_.release
    assert after.override is not None and not after.override.applied


def test_override_of_a_pause_keeps_a_failure() -> None:
    outcome = ReleaseOutcome("fail", Release(state="paused", reason="releases paused: x"))
    after = apply_override(outcome, override())
    assert after.decision == "fail"
    assert after.release.state == "open"


@pytest.mark.parametrize(
    ("decision", "pr", "release"),
    [
        ("pass", 0, 0),
        ("warn", 0, 0),
        ("fail", 1, 1),
        ("pause", 0, 1),
        ("rollback", 0, 1),
    ],
)
def test_exit_codes(decision: Decision, pr: int, release: int) -> None:
    assert exit_code(decision, "pr") == pr
    assert exit_code(decision, "release") == release


def test_status_reasons_name_the_value_and_limit() -> None:
    outcome = decide_release([slo("widget-bundle-size", "fail")], POLICY)
    assert outcome.reasons == ("widget-bundle-size: limit exceeded (99.70 %, limit ≤ 99.50 %)",)


def test_budgets_only_or_explicit_hard_limits() -> None:
    slos = [slo("widget-build-time", "fail", budget(10)), slo("mcp-availability", "warn")]
    assert decide_release(slos, POLICY).decision == "warn"
    hard = frozenset({"widget-build-time"})
    assert decide_release(slos, POLICY, hard_limits=hard).decision == "fail"
    only_budgets = decide_release(slos, POLICY, include_statuses=False)
    assert (only_budgets.decision, only_budgets.reasons) == ("pass", ())
    paused = decide_release(
        [slo("ci-pass-rate", "fail", budget(160))], POLICY, include_statuses=False
    )
    assert (paused.decision, paused.release.state) == ("pause", "paused")
