"""Durations and countdowns as people say them, in both languages (issue 22 saw "8391 小时")."""

from __future__ import annotations

import pytest
from flask import Flask

from crm.i18n import countdown, duration, force_locale


@pytest.mark.parametrize(
    ("minutes", "chinese", "english"),
    [
        (0, "不到 1 分钟", "under a minute"),
        (0.7, "不到 1 分钟", "under a minute"),
        (20, "20 分钟", "20 min"),
        (60, "1 小时", "1 h"),
        (80, "1 小时 20 分", "1 h 20 min"),
        (125.9, "2 小时 5 分", "2 h 5 min"),
        (24 * 60, "1 天", "1 d"),
        (3 * 24 * 60 + 4 * 60 + 59, "3 天 4 小时", "3 d 4 h"),
        (8391 * 60, "349 天", "349 d"),
        (-80, "1 小时 20 分", "1 h 20 min"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units(
    app: Flask, minutes: float, chinese: str, english: str
) -> None:
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert duration(minutes) == chinese
        with force_locale("en"):
            assert duration(minutes) == english


def test_a_countdown_says_whether_the_deadline_is_ahead_or_past(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert countdown(80) == "还剩 1 小时 20 分"
            assert countdown(-3 * 24 * 60) == "已超时 3 天"
        with force_locale("en"):
            assert countdown(125) == "2 h 5 min left"
            assert countdown(-120) == "2 h overdue"


def test_the_sla_badge_no_longer_counts_weeks_in_hours(app: Flask) -> None:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% from "cases/_sla.html" import sla_badge %}{{ sla_badge(case, sla) }}'
        )

        class Case:
            status, resolution_breached, response_breached = "new", True, False

        class Sla:
            paused, breached, at_risk, minutes_left = False, True, False, -8391 * 60

        with force_locale("zh_Hans_CN"):
            badge = template.render(case=Case(), sla=Sla())
    assert "已超时 349 天" in badge
    assert "8391" not in badge
