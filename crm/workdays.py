"""Working days: Monday to Friday. (Public holidays and make-up days arrive with the SLA
calendar; every caller goes through these functions, so they will follow.)"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    for _ in range(count):
        day = next_working_day(day)
    return day


def working_days_in_month(year: int, month: int) -> list[date]:
    last = calendar.monthrange(year, month)[1]
    days = (date(year, month, number) for number in range(1, last + 1))
    return [day for day in days if is_working_day(day)]
