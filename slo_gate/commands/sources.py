"""Which sources a gate run measures: those the policy names, or the command line gives.

Sources are opt-in: a source (bundles, tests, server logs, CI history, build time) is measured
when the policy has its section (``bundles: {}`` turns bundles on with the built-in thresholds)
or a flag / Action input gives its inputs (``--junit``). A section that names nothing to read is
a named problem; no policy file and nothing given is a usage error that points at ``init``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from slo_gate.config.loader import DEFAULT_POLICY_PATH, LoadedPolicy
from slo_gate.config.policy import Policy
from slo_gate.errors import PolicyError
from slo_gate.measurements import Problem, TestReport

if TYPE_CHECKING:
    from slo_gate.events import ServerMeasurement


def _unconfigured(section: str, what: str, fix: str) -> Problem:
    """A section that turns its source on but names nothing to measure."""
    return Problem(
        code=f"{section.replace('_', '-')}-no-input",
        message=f"the policy's {section} section names no {what}: nothing is measured; {fix}",
        level="error",
        source=section,
    )


def collect_test_reports(
    loaded: LoadedPolicy,
    junit: Sequence[str],
    playwright: Sequence[str],
    ws: Path,
    problems: list[Problem],
) -> TestReport | None:
    """Test reports: measured when the policy has ``tests:`` or ``--junit``/``--playwright``."""
    t = loaded.policy.tests
    if junit or playwright or t.junit or t.playwright:
        from slo_gate.collectors.tests.collect import collect_tests  # lxml: only runs with reports

        return collect_tests(t, ws, list(junit), list(playwright))
    if loaded.policy.has_section("tests"):
        problems.append(
            _unconfigured(
                "tests", "report files", "set tests.junit / tests.playwright or pass --junit"
            )
        )
    return None


def collect_server(
    loaded: LoadedPolicy, ws: Path, now: datetime, problems: list[Problem]
) -> ServerMeasurement | None:
    """Server logs: measured when the policy has ``server:``."""
    p = loaded.policy
    if p.server.logs:
        from slo_gate.collectors.server_logs import collect_server_logs  # only runs that read logs

        return collect_server_logs(p.server, p.budget, ws, now)
    if p.has_section("server"):
        problems.append(_unconfigured("server", "log files", "set server.logs"))
    return None


def reads_more_than_bundles(
    policy: Policy, junit: Sequence[str], playwright: Sequence[str]
) -> bool:
    """Whether the run reads reports, logs or GitHub besides the bundles (the check then
    compresses the bundles on a thread of their own while it reads the rest)."""
    t = policy.tests
    return bool(
        junit
        or playwright
        or t.junit
        or t.playwright
        or policy.server.logs
        or policy.build_time.from_ is not None
        or policy.ci.workflows
    )


def policy_notes(loaded: LoadedPolicy) -> list[Problem]:
    """What the policy file says validly but most likely did not mean, as notices."""
    return [
        Problem(code="policy-bare-size", message=note, level="notice", source="policy")
        for note in loaded.notes
    ]


def section_problems(policy: Policy) -> list[Problem]:
    out: list[Problem] = []
    if policy.has_section("ci") and not policy.ci.workflows:
        out.append(_unconfigured("ci", "workflows", "set ci.workflows (e.g. [ci.yml])"))
    if policy.has_section("build_time") and policy.build_time.from_ is None:
        out.append(
            _unconfigured(
                "build_time", "source", "set build_time.from ({workflow, job, step} or {file})"
            )
        )
    return out


def require_sources(loaded: LoadedPolicy, given: bool) -> None:
    """No policy file and nothing given on the command line: there is nothing to measure."""
    if loaded.path is None and not given:
        raise PolicyError(
            f"no policy file ({DEFAULT_POLICY_PATH}) and no inputs given: nothing to measure",
            fix="run `slo-gate init` to write a policy for this project, pass --config, "
            "or give test reports with --junit / --playwright",
        )
