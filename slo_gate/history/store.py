"""The history-store interface. The core sees only this; stores are interchangeable."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from slo_gate.measurements import Problem
from slo_gate.records import Record

if TYPE_CHECKING:
    from slo_gate.history.run_cache import RunCacheStore


class HistoryStore(ABC):
    """Reads and appends gate-run records."""

    #: a short description for reports, e.g. "file .slo-gate/history.jsonl"
    name: str = ""

    @abstractmethod
    def read(self) -> Sequence[Record]:
        """Every readable record, oldest first. Unreadable lines become ``problems``.

        A record whose ``recorded_at`` carries no UTC offset is read as UTC, so that records
        compare with each other and with the run's time; records dated in the future are
        ignored (with a notice) by the stores that know the run's time.
        """

    @abstractmethod
    def append(self, record: Record) -> None:
        """Add one record; never loses an earlier one."""

    @property
    def problems(self) -> Sequence[Problem]:
        """Problems met while reading (bad lines, missing store, ...)."""
        return ()

    def run_cache(self) -> RunCacheStore | None:
        """Where workflow-run summaries are cached beside this store; ``None``: the caller's
        default (a folder next to the local history file)."""
        return None
