"""Build time of this run, from the policy's ``build_time.from``.

Three sources, one each:

- ``{workflow, job, step}``: the Jobs API timings of this workflow run (its id and
  attempt, from the run environment). ``job`` and ``step`` are globs, so ``build*`` matches matrix
  legs such as ``build (ubuntu-latest, web)``; matching steps of one job are summed (they run
  one after another) and the longest leg is the build time (legs run side by side). Run
  slo-gate in a job that ``needs:`` the build job, so the step has finished.
- ``{seconds: N}``: a number the workflow measured itself.
- ``{file: path}``: a JSON file, relative to the workspace, of this shape::

      {"seconds": 83.2}
      {"started_at": "2026-01-19T10:00:00Z", "completed_at": "2026-01-19T10:01:23Z"}

Bad input is data: a missing file, bad JSON or an unfinished step gives a named problem and no
number, never a pass.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_gate.config.policy import BuildTimeSource
from slo_gate.files import RefusedFile, read_bounded
from slo_gate.github.api_error import GitHubApiError
from slo_gate.github.connection import OnApiError
from slo_gate.github.paging import parse_time
from slo_gate.history.workflow_runs import WorkflowRunReader, build_seconds
from slo_gate.measurements import Problem

MAX_FILE_BYTES = 1_000_000


class BuildTimeMeasurement(BaseModel):
    """This run's build time and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seconds: float | None = None
    source: Literal["jobs-api", "seconds", "file", "none"] = "none"
    legs: dict[str, float] = Field(default_factory=dict)
    path: str | None = None
    problems: tuple[Problem, ...] = ()


def _problem(code: str, message: str, path: str | None = None, level: str = "error") -> Problem:
    return Problem(
        code=code,
        message=message,
        path=path,
        level="warning" if level == "warning" else "error",
        source="build_time",
    )


@dataclass(frozen=True)
class RunRef:
    """This workflow run (id and attempt), when slo-gate runs inside one."""

    run_id: int | None = None
    attempt: int | None = None


def collect_build_time(
    source: BuildTimeSource | None,
    *,
    workspace: Path,
    reader: WorkflowRunReader | None = None,
    run: RunRef | None = None,
    on_api_error: OnApiError = "warn",
) -> BuildTimeMeasurement:
    """This run's build time; ``None`` seconds with a problem when it cannot be had."""
    if source is None:
        return BuildTimeMeasurement()
    if source.seconds is not None:
        return BuildTimeMeasurement(seconds=source.seconds, source="seconds")
    if source.file is not None:
        return from_file(workspace, source.file)
    return from_jobs(source, reader, run or RunRef(), on_api_error)


def from_file(workspace: Path, relative: str) -> BuildTimeMeasurement:
    path = workspace / relative
    shown = relative
    fix = 'fix: write {"seconds": N} or {"started_at": ..., "completed_at": ...} there'
    try:
        # a regular file of at most MAX_FILE_BYTES: a FIFO or /dev/zero is refused, not read
        data = json.loads(read_bounded(path, MAX_FILE_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return _bad(f"build-time file not found; {fix} or change build_time.from.file", shown)
    except RefusedFile as refused:
        return _bad(f"build-time file is not read: {refused.reason}; {fix}", shown)
    except (OSError, UnicodeDecodeError, RecursionError) as exc:
        return _bad(f"cannot read the build-time file ({type(exc).__name__}); {fix}", shown)
    except json.JSONDecodeError as exc:
        return BuildTimeMeasurement(
            source="file",
            path=shown,
            problems=(
                Problem(
                    code="build-time-bad-file",
                    message=f"build-time file is not JSON ({exc.msg}); {fix}",
                    path=shown,
                    line=exc.lineno,
                    source="build_time",
                ),
            ),
        )
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        return _bad(f"build-time file has an unreadable value ({exc}); {fix}", shown)
    seconds = seconds_from_json(data)
    if seconds is None:
        return _bad(f"build-time file has no usable duration; {fix}", shown)
    return BuildTimeMeasurement(seconds=seconds, source="file", path=shown)


def _bad(message: str, path: str) -> BuildTimeMeasurement:
    return BuildTimeMeasurement(
        source="file", path=path, problems=(_problem("build-time-bad-file", message, path),)
    )


def seconds_from_json(data: Any) -> float | None:
    """``{"seconds": N}`` or a ``started_at``/``completed_at`` pair; ``None`` otherwise."""
    if not isinstance(data, dict):
        return None
    value = data.get("seconds")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) and value >= 0 else None
    start, end = parse_time(data.get("started_at")), parse_time(data.get("completed_at"))
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def from_jobs(
    source: BuildTimeSource,
    reader: WorkflowRunReader | None,
    run: RunRef,
    on_api_error: OnApiError,
) -> BuildTimeMeasurement:
    """Build time of this workflow run from its jobs' step timings."""
    run_id = run.run_id
    if reader is None or run_id is None:
        return BuildTimeMeasurement(
            source="jobs-api",
            problems=(
                _problem(
                    "build-time-no-run",
                    "build_time.from names a workflow job/step, but there is no workflow run to "
                    "read (GITHUB_RUN_ID and a GitHub token are needed); fix: run in GitHub "
                    "Actions, or use build_time.from.seconds or .file",
                    ".github/slo-gate.yml",
                    "warning",
                ),
            ),
        )
    try:
        jobs = reader.jobs(run_id, run.attempt)
    except GitHubApiError as err:
        return BuildTimeMeasurement(source="jobs-api", problems=(err.to_problem(on_api_error),))
    seconds, legs, reason = build_seconds(jobs, source.job, source.step)
    if seconds is None:
        return BuildTimeMeasurement(
            source="jobs-api",
            problems=(
                _problem(
                    "build-time-not-found",
                    f"no build time in run {run_id}: {reason}; fix: check build_time.from "
                    "(job and step are globs matched against the names shown in the run), and "
                    "run slo-gate in a job that needs: the build job",
                    ".github/slo-gate.yml",
                ),
            ),
        )
    return BuildTimeMeasurement(seconds=seconds, source="jobs-api", legs=legs)
