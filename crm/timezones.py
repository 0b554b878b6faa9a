"""Conversions between the user's local dates and the UTC instants stored in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_timezone


def local_day_start_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (the user's zone by default)."""
    tz = zone or get_timezone()
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def local_day_end_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which the day after ``day`` begins in ``zone``; use it as an
    exclusive upper bound."""
    return local_day_start_utc(day + timedelta(days=1), zone)


def local_to_utc(local: datetime) -> datetime:
    """A naive date-time typed in the user's zone, as an aware UTC instant."""
    return local.replace(tzinfo=get_timezone()).astimezone(UTC)


def local_now() -> datetime:
    """Now in the user's zone, naive and to the minute: the default of a date-time field."""
    return datetime.now(get_timezone()).replace(tzinfo=None, second=0, microsecond=0)


def utc_to_local(instant: datetime) -> datetime:
    """An aware instant as a naive date-time in the user's zone, for pre-filling a field."""
    return instant.astimezone(get_timezone()).replace(tzinfo=None)


def department_zone() -> ZoneInfo:
    """The department's zone (CRM_DEFAULT_TIMEZONE): periods of reports and samples are its
    calendar days, whoever looks at them."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def department_today(now: datetime) -> date:
    """The calendar date at ``now`` in the department's zone: what "due today" means for jobs
    that run outside any user's request."""
    return now.astimezone(department_zone()).date()


def department_bounds_utc(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants at which the department's days ``start`` and ``end`` begin: the bounds
    of the period [start, end)."""
    zone = department_zone()
    return local_day_start_utc(start, zone), local_day_start_utc(end, zone)


def month_from_arg(raw: str | None, now: datetime) -> date:
    """The first day of the month written ``YYYY-MM`` (a month input or query argument), or of
    the department's current month when ``raw`` is missing or malformed."""
    try:
        return datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return department_today(now).replace(day=1)
