"""SLA time arithmetic: minutes that count, either around the clock or within business hours.

Pure functions over aware datetimes; the business calendar (hours, working days, holidays) is
passed in, so the rules can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours in a zone; ``is_working_day`` says which dates are open at all."""

    zone: ZoneInfo
    opens: time
    closes: time
    is_working_day: Callable[[date], bool]

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The open interval of ``day`` in UTC, or None when closed all day."""
        if not self.is_working_day(day):
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return start, end


#: how many days ahead to look for open hours before giving up (a guard against a calendar
#: with no working day at all)
_HORIZON_DAYS = 400


def counted_minutes(start: datetime, end: datetime, hours: BusinessHours | None) -> float:
    """Minutes between ``start`` and ``end`` that count: all of them without business hours,
    otherwise only those inside opening hours."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds() / 60
    total = 0.0
    day = start.astimezone(hours.zone).date()
    last = end.astimezone(hours.zone).date()
    while day <= last:
        window = hours.window(day)
        if window is not None:
            lo, hi = max(window[0], start), min(window[1], end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += timedelta(days=1)
    return total


def add_counted_minutes(start: datetime, minutes: float, hours: BusinessHours | None) -> datetime:
    """The instant at which ``minutes`` counted minutes have passed since ``start``."""
    if hours is None:
        return start + timedelta(minutes=minutes)
    remaining = minutes
    day = start.astimezone(hours.zone).date()
    for _ in range(_HORIZON_DAYS):
        window = hours.window(day)
        if window is not None:
            lo, hi = max(window[0], start), window[1]
            if hi > lo:
                available = (hi - lo).total_seconds() / 60
                if remaining <= available:
                    return lo + timedelta(minutes=remaining)
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no business hours within a year; check the calendar")
