"""Dates and times are written exactly as Babel writes them, in each user's zone and language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.timezones import write_date, write_datetime

LOCALES = st.sampled_from(["zh_Hans_CN", "en"])
ZONES = st.sampled_from(["Asia/Shanghai", "Europe/London", "America/New_York", "UTC"]).map(ZoneInfo)
FORMATS = st.sampled_from(["short", "medium", "yyyy-MM", "yyyy-MM-dd", "MMMd"])
INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
SETTINGS = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(INSTANTS, FORMATS, LOCALES, ZONES)
def test_date_times_read_as_babel_writes_them(instant, format_name, locale, zone) -> None:
    expected = format_datetime(instant, format_name, tzinfo=zone, locale=locale)
    assert write_datetime(instant, format_name, locale=locale, zone=zone) == expected


@SETTINGS
@given(INSTANTS, FORMATS, LOCALES, ZONES)
def test_days_read_as_babel_writes_them(instant, format_name, locale, zone) -> None:
    local_day = instant.astimezone(zone).date()
    expected = format_date(local_day, format_name, locale=locale)
    assert write_date(instant, format_name, locale=locale, zone=zone) == expected
    assert write_date(local_day, format_name, locale=locale, zone=zone) == expected


def test_a_naive_value_is_read_as_utc_and_shown_in_the_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    naive = datetime(2026, 3, 1, 0, 30)
    assert write_datetime(naive, "short", locale="zh_Hans_CN", zone=shanghai) == "2026/3/1 08:30"
    assert write_datetime(naive, "short", locale="en", zone=shanghai) == "3/1/26, 8:30\u202fAM"
