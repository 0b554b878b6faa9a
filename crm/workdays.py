"""Working days: the Chinese public holidays and make-up working days (调休) from the
``chinese-calendar`` package (when CRM_CHINESE_HOLIDAYS is on), overridden by the administrators'
holiday table; Monday to Friday otherwise, and for years the package does not know yet.

The date functions take the rule as ``is_open`` so that they stay pure; ``working_day_rule()``
builds the department's rule from the database.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from flask import current_app
from sqlalchemy import select

from crm.cases.models import Holiday
from crm.extensions import db

DayRule = Callable[[date], bool]


def weekdays(day: date) -> bool:
    """The rule without any holiday: Monday to Friday."""
    return day.weekday() < 5


@cache
def calendar_covers(year: int) -> bool:
    """Whether the ``chinese-calendar`` package knows the holidays of ``year`` (it is updated
    each year once the State Council publishes them)."""
    known = chinese_calendar.holidays.keys()
    return min(known).year <= year <= max(known).year


def chinese_workday(day: date) -> bool:
    """The State Council's calendar with 调休, or Monday to Friday beyond the package's years."""
    return chinese_calendar.is_workday(day) if calendar_covers(day.year) else weekdays(day)


def working_day_rule() -> DayRule:
    """The department's working days (one query): the holiday table's entries win over the
    Chinese calendar (or over Monday to Friday when CRM_CHINESE_HOLIDAYS is off)."""
    overrides = dict(db.session.execute(select(Holiday.day, Holiday.working)).all())
    base = chinese_workday if current_app.config["CHINESE_HOLIDAYS"] else weekdays

    def is_open(day: date) -> bool:
        return overrides[day] if day in overrides else base(day)

    return is_open


def next_working_day(day: date, is_open: DayRule = weekdays) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_open(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, is_open: DayRule = weekdays) -> date:
    for _ in range(count):
        day = next_working_day(day, is_open)
    return day


def working_days_in_month(year: int, month: int, is_open: DayRule = weekdays) -> list[date]:
    last = calendar.monthrange(year, month)[1]
    days = (date(year, month, number) for number in range(1, last + 1))
    return [day for day in days if is_open(day)]
