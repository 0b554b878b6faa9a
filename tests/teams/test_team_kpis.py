"""Every KPI of the dashboard filters by team: the team's members' figures together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from crm.reports.queries import kpis
from crm.reports.scope import Filters, Period
from crm.timezones import department_today
from crm.training.models import ExamAttempt
from crm.training.queries import by_team
from tests.conftest import login
from tests.factories import make_session, make_user
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


def test_training_pass_rates_per_team_on_the_training_overview(app, client) -> None:
    with app.app_context():
        world = build_world()
        trainer = make_user(username="trainer.li", roles=["trainer"])
        agents = [db.session.get(User, world.agent_a.id), db.session.get(User, world.agent_b.id)]
        session = make_session(actor=trainer, invited=agents)
        for user, score in ((agents[0], 90), (agents[1], 30)):
            db.session.add(
                ExamAttempt(
                    session_id=session.id,
                    user_id=user.id,
                    attempt_no=1,
                    taken_on=date(2026, 3, 2),
                    score=Decimal(score),
                    max_score=Decimal(100),
                    pass_mark=Decimal(60),
                    passed=score >= 60,
                    recorded_by_id=trainer.id,
                )
            )
        db.session.commit()
        rates = by_team([session.id])
        by_name = {key.rsplit(" · ", 1)[1]: (r.sat, r.passed) for key, r in rates.items()}
        assert by_name == {"甲组": (1, 1), "乙组": (1, 0)}
    login(client, "trainer.li")
    page = client.get("/training/?month=2026-03").get_data(as_text=True)
    assert "按班组" in page or "By team" in page
