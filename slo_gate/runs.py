"""What past runs looked like: workflow runs and build durations.

The workflow-run reader (``history.workflow_runs``) and the history records produce these; the
engine consumes them. They live outside both so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RunSummary(BaseModel):
    """One workflow run as the listing API shows it (only what the SLOs need).

    ``first_attempt_conclusion`` is filled by the reader for re-run runs when the policy asks for
    first attempts (the listing only shows the latest attempt); ``None`` means unknown.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: int
    workflow: str = ""
    name: str = ""
    head_branch: str | None = None
    head_sha: str = ""
    event: str = ""
    status: str = "completed"
    conclusion: str | None = None
    run_attempt: int = 1
    created_at: datetime
    updated_at: datetime | None = None
    first_attempt_conclusion: str | None = None


@dataclass(frozen=True)
class BuildSample:
    """One build's duration, when it ran, and the run it came from (to drop duplicates)."""

    at: datetime
    seconds: float
    run_id: int | None = None
