"""Issue 21, honest figures: a closed month reads from its kept monthly report everywhere —
the dashboard tile, the drill-down, the API — never the live value beside the kept one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crm.api.tokens import create_token
from crm.database import utcnow
from crm.extensions import db
from crm.reports.dashboard import tiles
from crm.reports.models import MonthlyReport
from crm.reports.scope import KPI_KEYS, Filters, Period
from tests.factories import make_user

OCTOBER = Period(date(2026, 10, 1), date(2026, 11, 1))


@pytest.fixture
def kept_october(app) -> str:
    """October 2026 kept with satisfaction 50% over 4 surveys; the live data has none (a
    survey deleted, a case re-categorised since), so live and kept disagree."""
    with app.app_context():
        figures = {key: {"value": None, "basis": 0} for key in KPI_KEYS}
        figures["satisfaction"] = {"value": 0.5, "basis": 4}
        db.session.add(
            MonthlyReport(
                month=OCTOBER.start,
                data={"month": "2026-10-01", "figures": figures, "targets": {}},
                prepared_at=datetime(2026, 11, 1, 1, tzinfo=UTC),
            )
        )
        boss = make_user(username="boss", roles=["supervisor"])
        token = create_token(actor=boss, name="测试", now=utcnow())[1]
        db.session.commit()
        return token


def test_the_kept_figures_are_the_closed_months_figures(app, kept_october) -> None:
    from crm.reports.monthly import period_figures

    with app.app_context():
        shown = period_figures(OCTOBER, Filters())
        assert shown.kept is not None
        assert shown.figures["satisfaction"].value == 0.5
        tile = next(t for t in tiles(OCTOBER, Filters()) if t.key == "satisfaction")
        assert tile.figure.value == 0.5
        assert tile.figure.basis == 4


def test_the_api_answers_the_kept_figure(client, kept_october) -> None:
    answer = client.get(
        "/api/v1/kpis?month=2026-10", headers={"Authorization": f"Bearer {kept_october}"}
    )
    assert answer.status_code == 200
    satisfaction = next(f for f in answer.json["figures"] if f["key"] == "satisfaction")
    assert satisfaction["value"] == 0.5
    assert satisfaction["basis"] == 4
    assert answer.json["kept_at"] is not None


def test_dashboard_and_drill_down_show_the_kept_figure_and_say_so(
    client, login_as, kept_october
) -> None:
    login_as("supervisor", username="boss.two")
    page = client.get("/reports/?month=2026-10").get_data(as_text=True)
    assert "50.0%" in page
    assert 'data-testid="kept-note"' in page
    drill = client.get("/reports/kpi/satisfaction?month=2026-10").get_data(as_text=True)
    assert 'data-testid="kept-figure"' in drill
    assert "50.0%" in drill
    # the rows cannot be kept: the page says they are today's view
    assert 'data-testid="rows-today"' in drill
