"""The engine's entry point: measurements + policy + history + now -> one Verdict.

Pure: no I/O, no clock, no environment. The same inputs always give the same verdict.

The decision is the most severe of: hard limits broken by this change (bundle sizes, build
time, failing tests: ``fail``), problems with the inputs (``fail``, or ``warn`` where the policy
says so), warning thresholds and burn-rate alerts (``warn``), and the error budgets (``pause``,
``rollback``; see ``engine/release.py``). A release-freeze override lifts a pause, audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from slo_gate.config.policy import Policy
from slo_gate.engine.bundles import bundle_slos, summarise_bundles
from slo_gate.engine.release import ReleaseOutcome, apply_override, decide_release
from slo_gate.measurements import Measurements, Problem
from slo_gate.records import Record
from slo_gate.slos import BUNDLE_LIMITS, HARD_LIMITS
from slo_gate.verdict import Decision, Override, Slo, TestsOut, Verdict, worst_decision

if TYPE_CHECKING:
    from slo_gate.events import ServerMeasurement
    from slo_gate.runs import BuildSample, RunSummary


@dataclass(frozen=True)
class EngineInput:
    measurements: Measurements
    policy: Policy
    now: datetime
    history: Sequence[Record] = ()
    baseline: Record | None = None
    baseline_how: str = ""
    mode: Literal["pr", "release"] = "pr"
    commit: str | None = None
    branch: str | None = None
    extra_problems: Sequence[Problem] = field(default_factory=tuple)
    server: ServerMeasurement | None = None
    #: completed workflow runs of the policy's ``ci`` workflows; None: CI history not read
    ci_runs: Sequence[RunSummary] | None = None
    #: this run's build time; None with ``build_time_configured``: no data for this run
    build_this_run: BuildSample | None = None
    build_time_configured: bool = False
    #: past build durations read from the Jobs API (merged with the history's, run by run)
    build_samples: Sequence[BuildSample] = ()
    override: Override | None = None
    #: a reviewer accepted a bundle-size increase (the accept-increase label)
    accept_increase: Override | None = None


def _problem_decision(problem: Problem, policy: Policy) -> tuple[Decision, str] | None:
    if problem.level != "error":
        return None
    if problem.source == "bundles" and policy.bundles.on_missing == "warn":
        return "warn", f"{problem.code}: {problem.message} (bundles.on_missing: warn)"
    return "fail", f"{problem.code}: {problem.message}"


def _run_number(run_id: str | None) -> int | None:
    return int(run_id) if run_id is not None and run_id.isdigit() else None


def build_history(records: Sequence[Record]) -> list[BuildSample]:
    """Past build durations as recorded by earlier gate runs."""
    from slo_gate.runs import BuildSample

    return [
        BuildSample(r.recorded_at, r.build_time_s, _run_number(r.run_id))
        for r in records
        if r.build_time_s is not None
    ]


def _other_slos(inp: EngineInput, problems: list[Problem]) -> list[Slo]:
    """Every SLO besides the bundles' that this run has data for; collects their problems.

    Each source's engine module is imported by the run that has its data (a bundles-only
    check loads no test, CI, build-time or server arithmetic).
    """
    m, policy = inp.measurements, inp.policy
    slos: list[Slo] = []
    if m.bundles is not None:
        problems.extend(m.bundles.problems)
    if m.tests is not None:
        from slo_gate.engine.tests import evaluate_tests, visual_history

        problems.extend(m.tests.problems)
        slos.extend(
            evaluate_tests(
                m.tests,
                policy.tests,
                visual_history(inp.history),
                inp.now,
                min_events=policy.budget.min_events,
                budget_policy=policy.budget,
            )
        )
    if inp.build_time_configured:
        from slo_gate.engine.build_time import build_time_slo
        from slo_gate.engine.window import Span

        slo, _ = build_time_slo(
            [*build_history(inp.history), *inp.build_samples],
            inp.build_this_run,
            Span.ending(inp.now, policy.build_time.window),
            policy.build_time,
            policy.budget,
        )
        slos.append(slo)
    if inp.ci_runs is not None:
        from slo_gate.engine.ci import ci_slo
        from slo_gate.engine.window import Span

        span = Span.ending(inp.now, policy.ci.pass_rate.window)
        slo, _ = ci_slo(inp.ci_runs, policy.ci, policy.budget, span)
        slos.append(slo)
    if inp.server is not None:
        from slo_gate.engine.server import evaluate_server

        problems.extend(inp.server.problems)
        slos.extend(evaluate_server(inp.server, policy.server, policy.budget, inp.now))
    return slos


def _tests_out(m: Measurements) -> TestsOut | None:
    if m.tests is None:
        return None
    from slo_gate.engine.tests import tests_out

    return tests_out(m.tests)


def _release(inp: EngineInput, slos: list[Slo]) -> tuple[ReleaseOutcome, list[Override]]:
    hard = HARD_LIMITS
    overrides: list[Override] = []
    if inp.accept_increase is not None:
        breached = any(s.id in BUNDLE_LIMITS and s.status == "fail" for s in slos)
        hard = HARD_LIMITS - BUNDLE_LIMITS
        overrides.append(inp.accept_increase.model_copy(update={"applied": breached}))
    side = decide_release(slos, inp.policy.budget, hard_limits=hard)
    if inp.override is not None:
        side = apply_override(side, inp.override)
    if side.override is not None:
        overrides.append(side.override)
    return side, overrides


def _audit(o: Override) -> str:
    return (
        f"bundle budget breach accepted as a warning: {o.reason} (by {o.by} at "
        f"{o.at:%Y-%m-%d %H:%M} UTC, {o.source})"
    )


def evaluate(inp: EngineInput) -> Verdict:
    """Compute every SLO this run has data for and the decision that follows."""
    m, policy = inp.measurements, inp.policy
    problems = [*m.problems, *inp.extra_problems]
    bundles_out = None
    slos: list[Slo] = []
    if m.bundles is not None:
        bundles_out = summarise_bundles(m.bundles, policy.bundles, inp.baseline, inp.baseline_how)
        slos.extend(bundle_slos(bundles_out, policy.bundles, inp.history, inp.now))
    slos.extend(_other_slos(inp, problems))
    side, overrides = _release(inp, slos)
    from_problems = [o for o in (_problem_decision(p, policy) for p in problems) if o is not None]
    decision = worst_decision([side.decision, *(d for d, _ in from_problems)])
    return Verdict(
        decision=decision,
        release=side.release,
        evaluated_at=inp.now,
        commit=inp.commit,
        branch=inp.branch,
        mode=inp.mode,
        slos=slos,
        bundles=bundles_out,
        tests=_tests_out(m),
        problems=problems,
        reasons=[
            *side.reasons,
            *(_audit(o) for o in overrides if o.kind == "accept-increase" and o.applied),
            *(text for _, text in from_problems),
        ],
        overrides=overrides,
    )
