"""Plan dates, worked out by hand."""

from __future__ import annotations

import itertools
from datetime import date

from crm.callbacks.cadence import Rule, occurrences
from crm.callbacks.models import LAST_DAY, Cadence


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months() -> None:
    rule = Rule(Cadence.MONTHLY, start=date(2026, 1, 31), day_of_month=31)
    assert occurrences(rule, after=None, until=date(2026, 5, 31)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_monthly_on_the_last_day_includes_a_leap_february() -> None:
    rule = Rule(Cadence.MONTHLY, start=date(2028, 1, 1), day_of_month=LAST_DAY)
    assert occurrences(rule, after=None, until=date(2028, 3, 31)) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]


def test_every_two_weeks_across_a_year_is_26_calls_14_days_apart() -> None:
    rule = Rule(Cadence.WEEKLY, start=date(2026, 1, 5), interval_weeks=2)
    dates = occurrences(rule, after=None, until=date(2026, 12, 31))
    assert len(dates) == 26  # 5 Jan + 25 x 14 days = 21 Dec; one more would be 4 Jan 2027
    assert dates[0] == date(2026, 1, 5)
    assert dates[-1] == date(2026, 12, 21)
    assert all((b - a).days == 14 for a, b in itertools.pairwise(dates))


def test_the_end_date_is_respected() -> None:
    rule = Rule(Cadence.MONTHLY, start=date(2026, 1, 10), end=date(2026, 3, 9), day_of_month=10)
    assert occurrences(rule, after=None, until=date(2026, 12, 31)) == [
        date(2026, 1, 10),
        date(2026, 2, 10),
    ]


def test_only_dates_after_the_last_generated_one_are_returned() -> None:
    rule = Rule(Cadence.MONTHLY, start=date(2026, 1, 10), day_of_month=10)
    assert occurrences(rule, after=date(2026, 2, 10), until=date(2026, 4, 30)) == [
        date(2026, 3, 10),
        date(2026, 4, 10),
    ]


def test_quarterly_and_once() -> None:
    quarterly = Rule(Cadence.QUARTERLY, start=date(2026, 1, 15))
    assert occurrences(quarterly, after=None, until=date(2026, 12, 31)) == [
        date(2026, 1, 15),
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2026, 10, 15),
    ]
    once = Rule(Cadence.ONCE, start=date(2026, 6, 1))
    assert occurrences(once, after=None, until=date(2027, 1, 1)) == [date(2026, 6, 1)]
    assert occurrences(once, after=date(2026, 6, 1), until=date(2027, 1, 1)) == []


def test_the_nth_working_day_skips_weekends_and_clamps() -> None:
    # March 2026 starts on a Sunday: working days are 2, 3, 4, ...; it has 22 of them.
    rule = Rule(Cadence.MONTHLY_WORKDAY, start=date(2026, 3, 1), day_of_month=1)
    assert occurrences(rule, after=None, until=date(2026, 3, 31)) == [date(2026, 3, 2)]
    late = Rule(Cadence.MONTHLY_WORKDAY, start=date(2026, 3, 1), day_of_month=23)
    assert occurrences(late, after=None, until=date(2026, 3, 31)) == [date(2026, 3, 31)]
