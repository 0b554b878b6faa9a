"""Reports open on the last complete month, with previous / this / next month links (issue 22):
the current month's figures are partial, so they are one click away, not the first thing read."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import time_machine

from crm.reports.queries import Period
from crm.timezones import MonthSwitch, last_closed_month, month_from_arg

#: 01:30 on 3 March in Shanghai (17:30 UTC the day before)
NOW = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


def test_the_last_closed_month_is_the_department_s(app) -> None:
    with app.app_context():
        assert last_closed_month(NOW) == date(2026, 2, 1)
        assert last_closed_month(datetime(2026, 1, 15, 4, tzinfo=UTC)) == date(2025, 12, 1)
        assert Period.parse({}, NOW) == Period.month(date(2026, 2, 1))
        assert Period.parse({"month": "2026-03"}, NOW) == Period.month(date(2026, 3, 1))
        assert month_from_arg(None, NOW, closed=True) == date(2026, 2, 1)
        # Work pages (the callback board) still open on the current month.
        assert month_from_arg(None, NOW) == date(2026, 3, 1)


def test_the_switch_stops_at_the_current_month(app) -> None:
    with app.app_context():
        shown = MonthSwitch.around(date(2026, 2, 1), NOW)
        assert (shown.previous, shown.current, shown.following) == (
            date(2026, 1, 1),
            date(2026, 3, 1),
            date(2026, 3, 1),
        )
        assert MonthSwitch.around(date(2026, 3, 1), NOW).following is None
        assert MonthSwitch.around(date(2025, 12, 1), NOW).following == date(2026, 1, 1)


def _switch(html: str) -> list[str]:
    nav = re.search(r'data-testid="month-switch">(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'href="([^"]+)"', nav)


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_opens_on_last_month_and_links_the_others(client, login_as) -> None:
    login_as("supervisor")
    html = client.get("/reports/").get_data(as_text=True)
    assert "2026-02-01 – 2026-02-28" in html
    links = [link.replace("&amp;", "&") for link in _switch(html)]
    assert len(links) == 3
    assert "month=2026-01" in links[0] and "mode=month" in links[0]
    assert "month=2026-03" in links[1] and "month=2026-03" in links[2]
    current = client.get(links[1]).get_data(as_text=True)
    assert "2026-03-01 – 2026-03-31" in current
    assert len(_switch(current)) == 2, "no month after the current one"


@time_machine.travel(NOW, tick=False)
def test_filters_ride_along_and_the_scorecard_opens_on_last_month(client, login_as) -> None:
    login_as("supervisor")
    html = client.get("/reports/?mode=month&month=2026-01&category=complaint").get_data(
        as_text=True
    )
    assert all("category=complaint" in link and "None" not in link for link in _switch(html))
    scorecard = client.get("/reports/agents").get_data(as_text=True)
    assert "2026-02-01 – 2026-02-28" in scorecard and 'data-testid="month-switch"' in scorecard


@time_machine.travel(NOW, tick=False)
def test_training_and_survey_figures_open_on_last_month(client, login_as) -> None:
    login_as("admin")
    for path in ("/training/", "/surveys/figures"):
        html = client.get(path).get_data(as_text=True)
        assert 'value="2026-02"' in html, path
        assert "month=2026-01" in _switch(html)[0], path
