"""The workflow-run cache: summaries and build durations already read, kept in the history store.

A warm run lists only what is new since the last sync (``history.workflow_runs``); this module
holds the cached document and the two places it is kept (a JSON file beside a local history, or
the data branch, see ``history.github_branch``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slo_gate.measurements import Problem
from slo_gate.runs import RunSummary

CACHE_SCHEMA = 1


class BuildDuration(BaseModel):
    """The build time of one run attempt, cached so its jobs are fetched once."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    run_id: int
    run_attempt: int = 1
    created_at: datetime
    seconds: float | None = None
    legs: dict[str, float] = Field(default_factory=dict)
    reason: str = Field("", description="why there is no duration, e.g. 'no matching job'")


class WorkflowCache(BaseModel):
    """What the store keeps per workflow listing: the runs seen and the sync watermarks.

    ``key`` names the listing (workflow, branches, events); a cache with another key is not
    used, so changing the policy's branches never mixes runs of different selections.
    ``synced_from``/``synced_until`` bound the ``created`` range listed so far.
    """

    model_config = ConfigDict(extra="ignore")

    schema_version: int = CACHE_SCHEMA
    key: str
    synced_from: datetime | None = None
    synced_until: datetime | None = None
    runs: dict[str, RunSummary] = Field(default_factory=dict)
    builds: dict[str, BuildDuration] = Field(default_factory=dict)


class RunCacheStore(Protocol):
    """Where ``WorkflowCache`` documents live (a local folder, or the data branch)."""

    def load(self, key: str) -> WorkflowCache | None: ...

    def save(self, cache: WorkflowCache) -> None: ...


def cache_file_name(key: str) -> str:
    """A file name for a cache key: readable, and safe whatever the workflow is called."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._") or "workflow"
    return f"{safe[:120]}.json"


class MemoryRunCache:
    """Keeps caches in memory: for pull requests (read, never written) and for tests."""

    def __init__(self, caches: Mapping[str, WorkflowCache] | None = None) -> None:
        self.caches: dict[str, WorkflowCache] = dict(caches or {})

    def load(self, key: str) -> WorkflowCache | None:
        return self.caches.get(key)

    def save(self, cache: WorkflowCache) -> None:
        self.caches[cache.key] = cache


class JsonFileRunCache:
    """Caches as JSON files in a folder (next to the local history file by default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []

    def load(self, key: str) -> WorkflowCache | None:
        path = self.folder / cache_file_name(key)
        if not path.exists():
            return None
        try:
            cache = WorkflowCache.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError) as exc:
            self.problems.append(
                Problem(
                    code="run-cache-unreadable",
                    message=f"ignored the workflow-run cache ({type(exc).__name__}); "
                    "fix: delete the file, the next run rebuilds it",
                    path=str(path),
                    level="warning",
                    source="history",
                )
            )
            return None
        return cache if cache.key == key else None

    def save(self, cache: WorkflowCache) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / cache_file_name(cache.key)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(cache.model_dump_json(), encoding="utf-8")
        tmp.replace(path)
