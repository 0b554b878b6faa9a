"""SLA minutes around the clock and within business hours, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from crm.cases.clock import BusinessHours, add_counted_minutes, counted_minutes

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOLIDAY = date(2026, 10, 1)  # National Day, a Thursday
HOURS = BusinessHours(
    zone=SHANGHAI,
    opens=time(9),
    closes=time(18),
    is_working_day=lambda day: day.weekday() < 5 and day != HOLIDAY,
)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_around_the_clock_a_minute_is_a_minute() -> None:
    start = local(2026, 3, 6, 17, 30)
    assert add_counted_minutes(start, 60, None) == local(2026, 3, 6, 18, 30)
    assert counted_minutes(start, local(2026, 3, 7, 17, 30), None) == 24 * 60


def test_a_one_hour_limit_opened_at_17_30_on_friday_ends_at_9_30_on_monday() -> None:
    due = add_counted_minutes(local(2026, 3, 6, 17, 30), 60, HOURS)
    assert due == local(2026, 3, 9, 9, 30).astimezone(UTC)


def test_a_case_opened_before_opening_starts_counting_at_nine() -> None:
    assert add_counted_minutes(local(2026, 3, 9, 7, 0), 30, HOURS) == local(
        2026, 3, 9, 9, 30
    ).astimezone(UTC)


def test_24_business_hours_span_three_working_days_and_skip_the_holiday() -> None:
    # Wednesday 30 Sep 10:00: 8 h that day, 1 Oct is a holiday, 9 h on Friday 2 Oct,
    # then 7 h on Monday 5 Oct -> 16:00
    due = add_counted_minutes(local(2026, 9, 30, 10, 0), 24 * 60, HOURS)
    assert due == local(2026, 10, 5, 16, 0).astimezone(UTC)
    assert counted_minutes(local(2026, 9, 30, 10, 0), due, HOURS) == 24 * 60


def test_counted_minutes_ignore_nights_and_weekends() -> None:
    assert counted_minutes(local(2026, 3, 6, 17, 0), local(2026, 3, 9, 10, 0), HOURS) == 120
