"""Conversions between the user's local dates and the UTC instants stored in the database, and
dates and times written in the user's zone and language."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, partial
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    DateTimeFormat,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from flask import current_app

from crm.i18n import current_language, current_zone


def local_day_start_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (the user's zone by default)."""
    tz = zone or current_zone()
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def local_day_end_utc(day: date, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant at which the day after ``day`` begins in ``zone``; use it as an
    exclusive upper bound."""
    return local_day_start_utc(day + timedelta(days=1), zone)


def local_to_utc(local: datetime) -> datetime:
    """A naive date-time typed in the user's zone, as an aware UTC instant."""
    return local.replace(tzinfo=current_zone()).astimezone(UTC)


def local_now() -> datetime:
    """Now in the user's zone, naive and to the minute: the default of a date-time field."""
    return datetime.now(current_zone()).replace(tzinfo=None, second=0, microsecond=0)


def utc_to_local(instant: datetime) -> datetime:
    """An aware instant as a naive date-time in the user's zone, for pre-filling a field."""
    return instant.astimezone(current_zone()).replace(tzinfo=None)


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


#: the days a date typed into a form or a link may name. Years near the ends of Python's
#: calendar (1 and 9999) only come from mistakes or probes, and the day arithmetic of periods
#: and zones would overflow there.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def in_calendar(day: date) -> date:
    """``day`` itself. :raises ValueError: when it is outside EARLIEST_DAY..LATEST_DAY."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"{day} is outside {EARLIEST_DAY}..{LATEST_DAY}")
    return day


def parse_day(raw: str) -> date:
    """The ISO date ``raw`` (``YYYY-MM-DD``). :raises ValueError: when malformed or outside
    the calendar (:func:`in_calendar`)."""
    return in_calendar(date.fromisoformat(raw))


def parse_month(raw: str) -> date:
    """The first day of the month ``raw`` (``YYYY-MM``). :raises ValueError: when malformed or
    outside the calendar (:func:`in_calendar`)."""
    return in_calendar(datetime.strptime(raw, "%Y-%m").date())


def last_closed_month(now: datetime) -> date:
    """The first day of the department's last complete month: what reports open on, since the
    current month's figures are still partial."""
    return (department_today(now).replace(day=1) - timedelta(days=1)).replace(day=1)


def month_from_arg(raw: str | None, now: datetime, *, closed: bool = False) -> date:
    """The first day of the month written ``YYYY-MM`` (a month input or query argument); when
    ``raw`` is missing, malformed or out of range, the department's current month, or with
    ``closed`` its last complete one (reports)."""
    try:
        return parse_month(raw or "")
    except ValueError:
        return last_closed_month(now) if closed else department_today(now).replace(day=1)


@dataclass(frozen=True)
class MonthSwitch:
    """The months a report links to from the one it shows."""

    previous: date
    current: date
    #: None when the shown month is the current one: the future has no figures
    following: date | None

    @classmethod
    def around(cls, month: date, now: datetime) -> MonthSwitch:
        current = department_today(now).replace(day=1)
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        return cls(
            previous=(month.replace(day=1) - timedelta(days=1)).replace(day=1),
            current=current,
            following=following if following <= current else None,
        )


#: the fields of a CLDR date or time pattern this module formats itself; any other field (a
#: month or day name, AM/PM) is left to Babel
_NUMERIC_FIELDS: dict[str, Callable[[datetime], str]] = {
    "y": lambda value: str(value.year),
    "yy": lambda value: f"{value.year % 100:02d}",
    "yyyy": lambda value: f"{value.year:04d}",
    "M": lambda value: str(value.month),
    "MM": lambda value: f"{value.month:02d}",
    "d": lambda value: str(value.day),
    "dd": lambda value: f"{value.day:02d}",
    "H": lambda value: str(value.hour),
    "HH": lambda value: f"{value.hour:02d}",
    "h": lambda value: str(value.hour % 12 or 12),
    "hh": lambda value: f"{value.hour % 12 or 12:02d}",
    "m": lambda value: str(value.minute),
    "mm": lambda value: f"{value.minute:02d}",
    "s": lambda value: str(value.second),
    "ss": lambda value: f"{value.second:02d}",
}
_PATTERN_FIELD = re.compile(r"%\((\w+)\)s")


def _compile(pattern: str, locale: Locale) -> Callable[[datetime], str]:
    """A function that formats a local date-time as the CLDR ``pattern`` does in ``locale``."""
    parsed = parse_pattern(pattern)
    fields = [
        (name, _NUMERIC_FIELDS.get(name) or partial(_babel_field, name, locale))
        for name in dict.fromkeys(_PATTERN_FIELD.findall(parsed.format))
    ]
    return lambda value: parsed.format % {name: field(value) for name, field in fields}


def _babel_field(name: str, locale: Locale, value: datetime) -> str:
    return DateTimeFormat(value, locale)[name]


#: format names standing for the locale's own patterns; any other format is a CLDR pattern
_FORMAT_NAMES = ("short", "medium", "long", "full")


@dataclass(frozen=True)
class _Formatters:
    date: Callable[[date], str]
    datetime: Callable[[datetime], str]


@cache
def _formatters(locale_name: str, format_name: str) -> _Formatters:
    """How a locale writes a day and a moment in a named format (``short``, ``medium``...)
    or a pattern (``yyyy-MM``), compiled once."""
    locale = Locale.parse(locale_name)
    if format_name not in _FORMAT_NAMES:
        pattern = _compile(format_name, locale)
        return _Formatters(pattern, pattern)
    day = _compile(get_date_format(format_name, locale).pattern, locale)
    clock = _compile(get_time_format(format_name, locale).pattern, locale)
    joined = get_datetime_format(format_name, locale).replace("'", "")
    return _Formatters(
        day, lambda value: joined.replace("{0}", clock(value)).replace("{1}", day(value))
    )


def _local(value: datetime, zone: tzinfo) -> datetime:
    # A naive value is UTC, as in Flask-Babel.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)


def write_datetime(value: datetime, format_name: str, *, locale: str, zone: tzinfo) -> str:
    """``value`` in ``zone`` as Babel's ``format_datetime`` writes it in ``locale``.

    Babel interprets the locale's patterns again for every value (about 40 µs on the benchmark
    machine, and a customer page shows 20 times); these are compiled once per locale and
    format. A test compares the two over many values.
    """
    return _formatters(locale, format_name).datetime(_local(value, zone))


def write_date(value: date | datetime, format_name: str, *, locale: str, zone: tzinfo) -> str:
    """The day of ``value`` (in ``zone``, for a date-time) as Babel's ``format_date`` writes
    it in ``locale``."""
    if isinstance(value, datetime):
        value = _local(value, zone)
    return _formatters(locale, format_name).date(value)


def format_datetime(value: datetime, format_name: str = "medium") -> str:
    """``value`` in the user's zone and language (the ``datetimeformat`` filter)."""
    return write_datetime(value, format_name, locale=current_language().locale, zone=current_zone())


def format_date(value: date | datetime, format_name: str = "medium") -> str:
    """The day of ``value`` in the user's zone and language (the ``dateformat`` filter)."""
    return write_date(value, format_name, locale=current_language().locale, zone=current_zone())
