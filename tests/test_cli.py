"""The command-line entry points."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from crm.auth.models import User
from crm.auth.permissions import Role
from crm.callbacks.models import CallbackPlan, CallbackTask
from crm.cases.models import Case
from crm.database import utcnow
from crm.demo import DEMO_PASSWORD, DEMO_USERS
from crm.demo.teams import TEAM_PEOPLE
from crm.demo.today import DESK, UNASSIGNED
from crm.extensions import db
from crm.qa.models import Review
from crm.reports.models import MonthlyReport
from crm.surveys.models import Survey
from crm.timezones import department_today
from tests.conftest import login


def test_create_user_prints_a_password_that_signs_in(app) -> None:
    result = app.test_cli_runner().invoke(args=["create-user", "--role", "admin", "Boss"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(shown once\): (\S+)", result.output).group(1)
    response = login(app.test_client(), "boss", password)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "boss"))
        assert user.roles == {"admin"}
        assert password not in user.password_hash


def test_create_user_refuses_a_taken_name_and_an_unknown_role(app) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "--role", "agent", "dup"]).exit_code == 0
    again = runner.invoke(args=["create-user", "--role", "agent", "dup"])
    assert again.exit_code != 0
    assert runner.invoke(args=["create-user", "--role", "king", "someone"]).exit_code != 0


def test_seed_demo_creates_one_login_per_role_once(app) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert "already has users" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        # the demo's logins, and the people who join for its teams (seeded last)
        assert len(users) == len(DEMO_USERS) + len(TEAM_PEOPLE)
        assert set().union(*(user.roles for user in users)) == {role.value for role in Role}
    assert login(app.test_client(), "supervisor", DEMO_PASSWORD).status_code == 302


def test_seed_demo_gives_every_page_a_history_to_show(app) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "seed-demo",
            "--customers=50",
            "--interactions=400",
            "--cases=60",
            "--callbacks=36",
            "--reviews=20",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Case, Survey, CallbackTask, Review)
        }
        # Past cases as asked and every agent's open desk; surveys for most resolved ones;
        # twelve past monthly calls per plan, the one-off calls due today or overdue, and the
        # calls the scheduler makes up to its horizon.
        # ... and this morning's three arrivals by e-mail and the contact form.
        arrived = db.session.scalar(
            select(func.count()).select_from(Case).where(Case.origin != "agent")
        )
        assert arrived == 3
        # every agent's desk: the demo's own agents (the teams' agents join after the desks)
        desks = sum(Role.AGENT in roles for _username, _name, roles in DEMO_USERS)
        assert counts["cases"] == 60 + desks * len(DESK) + len(UNASSIGNED) + 3
        assert 0 < counts["surveys"] < 60
        today = department_today(utcnow())
        plan_calls = db.session.scalars(
            select(CallbackTask.due_date)
            .join(CallbackTask.plan)
            .where(CallbackPlan.cadence != "once")
        ).all()
        assert len([due for due in plan_calls if due < today]) == 36
        assert len([due for due in plan_calls if due >= today]) >= 3
        # Twenty scored (one disputed); the rest of the drawn samples wait for the reviewer.
        statuses = db.session.scalars(select(Review.status)).all()
        assert len(statuses) - statuses.count("assigned") == 20
        assert set(statuses) <= {"submitted", "acknowledged", "disputed", "assigned"}
        # The twelve closed months' reports, kept as the scheduler would have month by month.
        months = db.session.scalars(select(MonthlyReport.month).order_by(MonthlyReport.month))
        months = list(months)
        last_closed = (department_today(utcnow()).replace(day=1) - timedelta(days=1)).replace(day=1)
        assert len(months) == 12 and months[-1] == last_closed
        assert len(set(months)) == 12


def test_seed_demo_is_refused_in_production(app_with) -> None:
    app = app_with(ENV_NAME="production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
