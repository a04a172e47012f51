"""Report periods: calendar months in the policy's time zone, rolling windows, their days. Pure.

``as_of`` = min(now, end): a month still running is reported up to now and says how much of
it has elapsed (``report.coverage``).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slo_gate.engine.window import Span
from slo_gate.report_model import Period

HOUR = 3600
DAY = 86400

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def zone(name: str) -> ZoneInfo:
    """The policy's time zone; a bad name is a ValueError the edge turns into a usage error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} in the policy's timezone; "
            "fix: use an IANA name such as UTC or Europe/Berlin"
        ) from None


def month_period(month: str, timezone: str, now: datetime) -> Period:
    """The calendar month ``YYYY-MM`` in ``timezone``, reported as of min(now, month end)."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-10")
    tz = zone(timezone)
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, number, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz).astimezone(UTC)
    now = aware(now).astimezone(UTC)
    if now <= start:
        raise ValueError(
            f"--month {month} starts {start.isoformat()}, after now ({now.isoformat()}); "
            "fix: pick a month that has begun"
        )
    return Period(
        kind="month", label=month, start=start, end=end, timezone=timezone, as_of=min(now, end)
    )


def window_period(window_s: float, timezone: str, now: datetime) -> Period:
    """The rolling window of ``window_s`` seconds ending at ``now``."""
    if window_s < HOUR:
        raise ValueError(f"--window must be at least 1 h, got {window_s:g} s")
    tz = zone(timezone)
    end = aware(now).astimezone(UTC)
    start = end - timedelta(seconds=window_s)
    label = f"{_span(window_s)} to {end.astimezone(tz):%Y-%m-%d %H:%M}"
    return Period(kind="window", label=label, start=start, end=end, timezone=timezone, as_of=end)


def previous_period(period: Period) -> Period:
    """The calendar month before, or the window of the same length just before."""
    tz = zone(period.timezone)
    if period.kind == "month":
        start = period.start
        local = start.astimezone(tz)
        prev_local = datetime(
            local.year - (local.month == 1), (local.month - 2) % 12 + 1, 1, tzinfo=tz
        )
        return Period(
            kind="month",
            label=f"{prev_local:%Y-%m}",
            start=prev_local.astimezone(UTC),
            end=start,
            timezone=period.timezone,
            as_of=start,
        )
    length = period.end - period.start
    return Period(
        kind="window",
        label=f"{_span(length.total_seconds())} to {period.start.astimezone(tz):%Y-%m-%d %H:%M}",
        start=period.start - length,
        end=period.start,
        timezone=period.timezone,
        as_of=period.start,
    )


def _span(seconds: float) -> str:
    return f"{seconds / DAY:g}d" if seconds % DAY == 0 else f"{seconds / HOUR:g}h"


def _s(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def days_of(period: Period) -> list[tuple[str, int, int]]:
    """``(YYYY-MM-DD, start_s, end_s)`` of each calendar day of the period up to ``as_of``.

    Days are those of the policy's time zone (23 or 25 hours long on DST changes); the first
    and last are cut to the period.
    """
    tz = zone(period.timezone)
    start = period.start.astimezone(tz)
    stop = period.as_of.astimezone(tz)
    out: list[tuple[str, int, int]] = []
    day = datetime(start.year, start.month, start.day, tzinfo=tz)
    while day < stop:
        nxt = day.date() + timedelta(days=1)
        day_end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
        out.append((day.date().isoformat(), _s(max(day, start)), _s(min(day_end, stop))))
        day = day_end
    return out


def span_of(period: Period) -> Span:
    """The span an SLO of the period is computed over: ``(start, as_of]``."""
    return Span(period.start, period.as_of, period.label)


def day_spans(period: Period) -> list[tuple[str, Span]]:
    """Each calendar day of the period as a span, for daily points."""
    return [
        (key, Span(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC), key))
        for key, a, b in days_of(period)
    ]


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def day_key(moment: datetime, tz: ZoneInfo) -> str:
    return aware(moment).astimezone(tz).date().isoformat()


def in_period(moment: datetime, start: datetime, end: datetime) -> bool:
    return start <= aware(moment) < end
