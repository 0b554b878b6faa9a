"""Working days: Monday to Friday, except the public holidays and make-up working days (调休)
that administrators enter in the holiday table.

The date functions take the rule as ``is_open`` so that they stay pure; ``working_day_rule()``
builds the department's rule from the database.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from crm.cases.models import Holiday
from crm.extensions import db

DayRule = Callable[[date], bool]


def weekdays(day: date) -> bool:
    """The rule without any holiday: Monday to Friday."""
    return day.weekday() < 5


def working_day_rule() -> DayRule:
    """Monday to Friday with the holiday table's exceptions (one query)."""
    overrides = dict(db.session.execute(select(Holiday.day, Holiday.working)).all())

    def is_open(day: date) -> bool:
        return overrides[day] if day in overrides else weekdays(day)

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
