"""Check-run annotations from a verdict: SLO breaches on the policy file's line, problems on
their file and line. Failing tests come from the test collector's own annotations.

Pure: the policy's key lines come in as a mapping from the loader.
"""

from __future__ import annotations

from collections.abc import Callable

from slo_gate.formatting import fmt_value
from slo_gate.measurements import Annotation
from slo_gate.verdict import Slo, Verdict

#: where each SLO's thresholds live in the policy file (DESIGN.md's layout)
POLICY_KEYS: dict[str, tuple[str, ...]] = {
    "widget-bundle-size": ("bundles", "per_widget"),
    "widget-bundle-total": ("bundles", "total"),
    "widget-build-time": ("build_time", "p95"),
    "tests": ("tests", "fail_on_failures"),
    "visual-pass-rate": ("tests", "visual_pass_rate"),
    "ci-pass-rate": ("ci", "pass_rate"),
    "mcp-availability": ("server", "availability"),
    "mcp-latency-local": ("server", "latency", "local"),
    "mcp-latency-remote": ("server", "latency", "remote"),
}

LineOf = Callable[..., int | None]


def _slo_message(slo: Slo) -> str:
    parts = [f"{slo.id}: {slo.status}, {fmt_value(slo.value, slo.unit)}"]
    if slo.target is not None:
        parts.append(f"target {slo.comparison} {fmt_value(slo.target, slo.unit)}")
    if slo.budget is not None and not slo.budget.insufficient_data:
        parts.append(f"{slo.budget.consumed * 100:.1f} % of the error budget consumed")
    if slo.detail:
        parts.append(slo.detail)
    return "; ".join(parts)


def verdict_annotations(
    verdict: Verdict, policy_path: str | None, line_of: LineOf | None = None
) -> list[Annotation]:
    """Annotations for every SLO that warns or fails and every problem with a file."""
    out: list[Annotation] = []
    for slo in verdict.slos:
        if slo.status not in ("warn", "fail"):
            continue
        line = line_of(*POLICY_KEYS.get(slo.id, ())) if line_of and policy_path else None
        out.append(
            Annotation(
                path=policy_path or ".github/slo-gate.yml",
                start_line=line or 1,
                end_line=line or 1,
                level="failure" if slo.status == "fail" else "warning",
                title=f"SLO {slo.id}: {slo.status}",
                message=_slo_message(slo),
            )
        )
    for problem in verdict.problems:
        if not problem.path:
            continue
        line = problem.line or 1
        level = {"error": "failure", "warning": "warning"}.get(problem.level, "notice")
        out.append(
            Annotation(
                path=problem.path,
                start_line=line,
                end_line=line,
                level=level,  # type: ignore[arg-type]
                title=f"slo-gate: {problem.code}",
                message=problem.message,
            )
        )
    return out
