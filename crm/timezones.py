"""Conversions between the user's local dates and the UTC instants stored in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import get_timezone


def local_day_start_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (the user's zone by default)."""
    tz = zone or get_timezone()
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def local_day_end_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which the day after ``day`` begins in ``zone``; use it as an
    exclusive upper bound."""
    return local_day_start_utc(day + timedelta(days=1), zone)
