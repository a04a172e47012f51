"""Check-run annotations from a verdict alone: SLO breaches on the policy file's line, problems
on their file and line, failing and flaky tests on their source file and line (or on the report
line when the source is not in the workspace).

Because everything comes from the verdict, ``mode: publish`` (which reads a fork's
``verdict.json``) annotates exactly what a same-repository pull request does.

Every string of an annotation is data (in ``mode: publish`` the verdict is a fork's): titles,
messages and paths are cleaned of control and bidirectional characters here, titles and paths
kept to one line; the workflow-command writer (``gha``) then percent-escapes what it sends.

Pure: the policy's key lines come in as a mapping from the loader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from slo_gate.formatting import fmt_value
from slo_gate.measurements import Annotation, TestFailure
from slo_gate.text import (
    ELLIPSIS,
    clean_text,
    neutralise_bidi,
    no_astral,
    truncate_chars,
    truncate_utf8,
)
from slo_gate.verdict import Slo, Verdict

#: GitHub's limits for one annotation
MAX_TITLE_CHARS = 255
MAX_MESSAGE_BYTES = 64 * 1024 - 1

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


def _line(text: str) -> str:
    """A title or a path: one line, no control, bidirectional or 4-byte characters."""
    return no_astral(neutralise_bidi(clean_text(text).replace("\n", " ").replace("\t", " ")))


def _body(text: str) -> str:
    """A message: lines kept, no control, bidirectional or 4-byte characters."""
    return no_astral(neutralise_bidi(clean_text(text)))


def _safe(annotation: Annotation) -> Annotation:
    return annotation.model_copy(
        update={
            "path": _line(annotation.path),
            "title": truncate_chars(_line(annotation.title), MAX_TITLE_CHARS, ELLIPSIS),
            "message": truncate_utf8(_body(annotation.message), MAX_MESSAGE_BYTES, ELLIPSIS),
        }
    )


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
    """Annotations for every SLO that warns or fails, every problem with a file and every
    failing or flaky test."""
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
    if verdict.tests is not None:
        out.extend(failure_annotations(verdict.tests.failures))
    return [_safe(a) for a in out]


def failure_annotations(failures: Iterable[TestFailure]) -> list[Annotation]:
    """One annotation per failing or flaky test that has a place to go."""
    return [a for a in (failure_annotation(f) for f in failures) if a is not None]


def failure_annotation(failure: TestFailure) -> Annotation | None:
    """On the test's file and line when it is in the workspace, else on the report's line."""
    verb = {"failed": "failed", "errored": "errored", "flaky": "is flaky"}[failure.outcome]
    title = no_astral(clean_text(f"Test {verb}: {failure.title or failure.key}").replace("\n", " "))
    body = failure.message or f"the test {verb} without a message"
    if failure.in_workspace or failure.report is None:
        path, line = failure.file, failure.line or 1
    else:
        path, line = failure.report, failure.report_line or 1
        if failure.file:
            body = f"(test file {failure.file} is not in the workspace)\n{body}"
    if not path:
        return None
    return _safe(
        Annotation(
            path=path,
            start_line=max(1, line),
            end_line=max(1, line),
            level="warning" if failure.outcome == "flaky" else "failure",
            title=title,
            message=body,
        )
    )
