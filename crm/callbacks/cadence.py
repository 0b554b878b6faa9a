"""When a plan's callbacks fall: pure date arithmetic, no database."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from crm.callbacks.models import LAST_DAY, Cadence
from crm.workdays import DayRule, weekdays, working_days_in_month


@dataclass(frozen=True)
class Rule:
    cadence: Cadence
    start: date
    end: date | None = None
    interval_weeks: int = 1
    #: MONTHLY: 1-31 or LAST_DAY; MONTHLY_WORKDAY: the Nth working day
    day_of_month: int | None = None
    #: which days are working days (for MONTHLY_WORKDAY)
    is_open: DayRule = weekdays


def _months(start: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while True:
        yield year, month
        month += 1
        if month > 12:
            year, month = year + 1, 1


def _day_in_month(year: int, month: int, wanted: int) -> date:
    """Day ``wanted`` of the month, or its last day when the month is shorter (the 31st in
    February is the 28th or 29th); LAST_DAY is always the last day."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if wanted == LAST_DAY else min(wanted, last))


def _raw(rule: Rule) -> Iterator[date]:
    if rule.cadence == Cadence.ONCE:
        yield rule.start
        return
    if rule.cadence == Cadence.WEEKLY:
        day = rule.start
        while True:
            yield day
            day += timedelta(weeks=rule.interval_weeks)
    step = 3 if rule.cadence == Cadence.QUARTERLY else 1
    wanted = rule.day_of_month or rule.start.day
    for index, (year, month) in enumerate(_months(rule.start)):
        if index % step:
            continue
        if rule.cadence == Cadence.MONTHLY_WORKDAY:
            workdays = working_days_in_month(year, month, rule.is_open)
            yield workdays[min(wanted, len(workdays)) - 1]
        else:
            yield _day_in_month(year, month, wanted)


def occurrences(rule: Rule, *, after: date | None, until: date) -> list[date]:
    """The rule's dates in (``after``, ``until``], never before its start nor past its end."""
    limit = min(until, rule.end) if rule.end else until
    dates = []
    for day in _raw(rule):
        if day > limit:
            break
        if day >= rule.start and (after is None or day > after):
            dates.append(day)
    return dates
