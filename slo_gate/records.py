"""History records: what one gate run leaves behind for later runs.

A record is plain data (one JSON object per line in the stores). Stores read and write them;
the engine receives them as an argument and never touches a store.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from slo_gate.measurements import TestCounts, VisualCounts

RECORD_SCHEMA = 1


class _Rec(BaseModel):
    # Records written by newer versions may carry more keys: keep reading them.
    model_config = ConfigDict(frozen=True, extra="ignore")


class FileRecord(_Rec):
    sha256: str
    raw: int
    gzip: int
    brotli: int


class SizeRecord(_Rec):
    raw: int
    gzip: int
    brotli: int


class WidgetRecord(SizeRecord):
    files: list[str] = Field(default_factory=list)


class BundleRecord(_Rec):
    widgets: dict[str, WidgetRecord] = Field(default_factory=dict)
    total: SizeRecord
    files: dict[str, FileRecord] = Field(default_factory=dict)


class TestRecord(_Rec):
    __test__ = False

    counts: TestCounts = TestCounts()
    visual: VisualCounts = VisualCounts()


class Record(_Rec):
    schema_version: int = RECORD_SCHEMA
    recorded_at: datetime
    commit: str | None = None
    branch: str | None = None
    event: str | None = None
    run_id: str | None = None
    decision: str | None = None
    bundles: BundleRecord | None = None
    tests: TestRecord | None = None
    build_time_s: float | None = None
