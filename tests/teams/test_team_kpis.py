"""Every KPI of the dashboard filters by team: the team's members' figures together."""

from __future__ import annotations

from crm.database import utcnow
from crm.reports.queries import kpis
from crm.reports.scope import Filters, Period
from crm.timezones import department_today
from tests.conftest import login
from tests.teams.support import build_world


def test_figures_by_team_count_only_the_teams_members(ctx) -> None:
    world = build_world()
    month = Period.month(department_today(utcnow()))
    everyone = kpis(month)
    team_a = kpis(month, Filters.parse({"team": str(world.team_a)}))
    assert everyone["callback_completion"].basis == 2
    assert team_a["callback_completion"].basis == 1
    nobody = kpis(month, Filters.parse({"team": "999999"}))
    assert nobody["callback_completion"].basis == 0


def test_the_dashboard_offers_the_team_filter_and_keeps_it(app, client) -> None:
    with app.app_context():
        world = build_world()
    login(client, "admin.chen")
    page = client.get(f"/reports/?team={world.team_a}").get_data(as_text=True)
    assert 'id="team"' in page and f'value="{world.team_a}" selected' in page
    assert client.get("/reports/?team=x<b>").status_code == 200
