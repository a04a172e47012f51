"""Time-bucketed ratio events: the one shape every ratio SLO is computed from.

Availability, "share of requests within 500 ms", build time within 5 min, CI and visual pass
rates are all *good events / valid events*. Collectors count events into fixed-size time buckets
(one minute or coarser) so that the engine can answer "how many good and valid events between
``a`` and ``b``" for any window without keeping the events themselves: 30 days of one-minute
buckets are 43,200 pairs of integers whatever the traffic.

Everything here is pure and I/O-free (no clock, no files), so the engine may import it.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from slo_gate.measurements import Problem

MICROS_PER_MS = 1000
MICROS_PER_S = 1_000_000


@dataclass(frozen=True, slots=True)
class EventBucket:
    """Events whose time falls in ``[start_s, start_s + bucket_s)`` of the owning series."""

    start_s: int
    good: int
    valid: int

    def __post_init__(self) -> None:
        if self.valid < 0 or not 0 <= self.good <= self.valid:
            raise ValueError(
                f"bucket at {self.start_s}: need 0 <= good <= valid, got {self.good}/{self.valid}"
            )

    @property
    def bad(self) -> int:
        return self.valid - self.good


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Good and valid events of one window; ``bad`` is what the budget charges."""

    good: int
    valid: int

    @property
    def bad(self) -> int:
        return self.valid - self.good

    @property
    def ratio(self) -> float | None:
        """good / valid, or ``None`` when the window holds no event (never a fake 100 %)."""
        return None if self.valid == 0 else self.good / self.valid


@dataclass(frozen=True, slots=True)
class RatioSeries:
    """Sorted, non-overlapping buckets of one ratio SLI.

    Window queries are prefix-sum differences after a binary search, so the engine can ask for
    every burn-rate window and every sliding hour of a month cheaply. A bucket belongs to a
    window when its start lies inside it: collectors align buckets to the end of the budget
    window, which makes every window that is a whole number of buckets long exact.
    """

    buckets: tuple[EventBucket, ...] = ()
    bucket_s: int = 60
    _starts: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _good: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _valid: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.bucket_s < 1:
            raise ValueError(f"bucket_s must be at least 1 second, got {self.bucket_s}")
        starts = tuple(b.start_s for b in self.buckets)
        if any(b <= a for a, b in pairwise(starts)):
            raise ValueError("buckets must be sorted by start_s without duplicates")
        good, valid = [0], [0]
        for b in self.buckets:
            good.append(good[-1] + b.good)
            valid.append(valid[-1] + b.valid)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_good", tuple(good))
        object.__setattr__(self, "_valid", tuple(valid))

    @classmethod
    def from_counts(cls, counts: Mapping[int, tuple[int, int]], bucket_s: int = 60) -> RatioSeries:
        """Build from ``{start_s: (good, valid)}``; empty buckets are dropped."""
        buckets = tuple(
            EventBucket(start, good, valid)
            for start, (good, valid) in sorted(counts.items())
            if valid
        )
        return cls(buckets, bucket_s)

    @classmethod
    def from_events(
        cls, events: Iterable[tuple[float, int, int]], end_s: int, bucket_s: int = 60
    ) -> RatioSeries:
        """Bucket ``(time_s, good, valid)`` events (CI runs, test runs, builds) ending at ``end_s``.

        Buckets are aligned to ``end_s`` (the engine's "now"), so every window ending there that
        is a whole number of buckets long is exact; events after ``end_s`` are left out.
        """
        totals: dict[int, tuple[int, int]] = {}
        for at, good, valid in events:
            if at > end_s:
                continue
            # bucket [start, start + bucket_s) holds `at`; an event at end_s joins the last one
            start = min(end_s - math.ceil((end_s - at) / bucket_s) * bucket_s, end_s - bucket_s)
            g, v = totals.get(start, (0, 0))
            totals[start] = (g + good, v + valid)
        return cls.from_counts(totals, bucket_s)

    @classmethod
    def merge(cls, series: Iterable[RatioSeries]) -> RatioSeries:
        """Add several series bucket by bucket (e.g. several log files of one SLI)."""
        items = list(series)
        sizes = {s.bucket_s for s in items}
        if len(sizes) > 1:
            raise ValueError(f"cannot merge series with different bucket sizes {sorted(sizes)}")
        totals: dict[int, tuple[int, int]] = {}
        for s in items:
            for b in s.buckets:
                g, v = totals.get(b.start_s, (0, 0))
                totals[b.start_s] = (g + b.good, v + b.valid)
        return cls.from_counts(totals, sizes.pop() if sizes else 60)

    def counts(self, start_s: int, end_s: int) -> WindowCounts:
        """Events of the buckets whose start lies in ``[start_s, end_s)``."""
        lo = bisect_left(self._starts, start_s)
        hi = bisect_left(self._starts, end_s)
        if hi <= lo:
            return WindowCounts(0, 0)
        return WindowCounts(self._good[hi] - self._good[lo], self._valid[hi] - self._valid[lo])

    def last(self, window_s: float, now_s: int) -> WindowCounts:
        """Events of the window of length ``window_s`` that ends at ``now_s``."""
        return self.counts(now_s - math.floor(window_s), now_s)

    @property
    def total(self) -> WindowCounts:
        return WindowCounts(self._good[-1], self._valid[-1])


@dataclass(slots=True)
class LatencyDigest:
    """Exact latency distribution as a histogram of integer microseconds.

    Exactness: every latency is converted once to whole microseconds (``round``), and the
    histogram keeps one counter per distinct microsecond value, so the nearest-rank percentile
    (the ``ceil(p·n)``-th smallest, DESIGN.md) read from it is exactly the one of the sorted list
    of the converted values. Logs write latencies in ms with at most three decimals or in s
    with at most six, so the conversion loses nothing for them (finer input is rounded to the
    nearest µs). Memory grows with the number of *distinct* values, never with the number of
    requests: 10 million requests logged in whole or tenth milliseconds up to a minute hold at
    most 600,000 counters, typically a few thousand.
    """

    counts: dict[int, int] = field(default_factory=dict)
    n: int = 0

    def add_us(self, micros: int, times: int = 1) -> None:
        self.counts[micros] = self.counts.get(micros, 0) + times
        self.n += times

    def add_ms(self, ms: float) -> None:
        self.add_us(round(ms * MICROS_PER_MS))

    def update(self, other: LatencyDigest) -> None:
        for micros, times in other.counts.items():
            self.add_us(micros, times)

    def percentile_us(self, p: float) -> int | None:
        """Nearest-rank percentile in µs; ``None`` without requests."""
        if not 0 <= p <= 1:
            raise ValueError(f"percentile must lie in [0, 1], got {p}")
        if self.n == 0:
            return None
        rank = max(1, math.ceil(round(p * self.n, 9)))
        seen = 0
        for micros in sorted(self.counts):
            seen += self.counts[micros]
            if seen >= rank:
                return micros
        raise AssertionError("unreachable: rank <= n")  # pragma: no cover

    def percentile_ms(self, p: float) -> float | None:
        micros = self.percentile_us(p)
        return None if micros is None else micros / MICROS_PER_MS

    def count_within_us(self, limit_us: int) -> int:
        """Requests with latency <= ``limit_us``: the good events of a latency SLO."""
        return sum(c for micros, c in self.counts.items() if micros <= limit_us)


@dataclass(frozen=True, slots=True)
class LineRef:
    """Where a rejected or ignored log line is, and why (never its untrusted text)."""

    path: str
    line: int
    reason: str


@dataclass(slots=True)
class LineStats:
    """A count with the first few places it happened, so a user can open the file there."""

    count: int = 0
    first: list[LineRef] = field(default_factory=list)
    by_reason: dict[str, int] = field(default_factory=dict)
    keep: int = 5

    def add(self, path: str, line: int, reason: str) -> None:
        self.count += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        if len(self.first) < self.keep:
            self.first.append(LineRef(path, line, reason))

    def update(self, other: LineStats) -> None:
        self.count += other.count
        for reason, c in other.by_reason.items():
            self.by_reason[reason] = self.by_reason.get(reason, 0) + c
        room = self.keep - len(self.first)
        self.first.extend(other.first[: max(0, room)])


@dataclass(frozen=True, slots=True)
class LocationLatency:
    """Latency of one location: the per-bucket "within target" series and the exact digest.

    ``series.good`` counts requests with latency ``<= target_us``, the critical P95 limit of the
    policy when the logs were read; the engine checks it still matches the policy.
    """

    location: str
    target_us: int
    series: RatioSeries
    digest: LatencyDigest


@dataclass(frozen=True, slots=True)
class ServerMeasurement:
    """What the server-log collector saw: the SLIs of the MCP server and the state of its input.

    ``lines`` counts non-empty lines read; each one is exactly one of accepted (``requests``),
    ``bad`` (unusable: not JSON, missing field, bad value), ``future`` or ``outside`` (usable
    but not in ``[window_start_s, now_s]``; reported and ignored). ``no_data`` is set when the
    bad share is over the limit: the SLOs must then say ``no-data``, not pass on a subset.
    """

    window_start_s: int
    now_s: int
    availability: RatioSeries
    latency: dict[str, LocationLatency]
    files: tuple[str, ...] = ()
    lines: int = 0
    requests: int = 0
    bad: LineStats = field(default_factory=LineStats)
    future: LineStats = field(default_factory=LineStats)
    outside: LineStats = field(default_factory=LineStats)
    max_bad_share: float = 0.01
    no_data: bool = False
    problems: tuple[Problem, ...] = ()

    @property
    def bad_share(self) -> float:
        return 0.0 if self.lines == 0 else self.bad.count / self.lines
