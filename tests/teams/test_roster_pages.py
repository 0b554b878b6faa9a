"""The roster's week grid and import on the page, the wallboard's on-duty list and the
contingency page's people to call in."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.cases.models import DepartmentSupervisor
from crm.database import utcnow
from crm.extensions import db
from crm.teams.models import RosterEntry
from crm.teams.roster import Change, apply_changes
from crm.teams.services import create_team, set_members
from crm.timezones import department_today
from tests.conftest import csrf_token, login
from tests.factories import make_user


@pytest.fixture
def crew(app):
    with app.app_context():
        admin = make_user(username="admin.chen", roles=["admin"])
        lead = make_user(username="lead.wang", roles=["supervisor"])
        on = make_user(username="agent.on", display_name="在岗员工", roles=["agent"])
        off = make_user(username="agent.off", display_name="休息员工", roles=["agent"])
        stranger = make_user(username="agent.x", display_name="别组员工", roles=["agent"])
        team = create_team(actor=admin, department="service", name="一组", leader=lead)
        set_members(actor=admin, team=team, user_ids={on.id, off.id})
        # Tech support has its own named supervisor: not lead.wang's to roster.
        db.session.add(DepartmentSupervisor(department="tech_support", user_id=admin.id))
        other = create_team(actor=admin, department="tech_support", name="技术组", leader=admin)
        set_members(actor=admin, team=other, user_ids={stranger.id})
        today = department_today(utcnow())
        apply_changes(actor=admin, changes=[Change(off.id, today, "rest")])
        db.session.commit()
        return {"on": on.id, "off": off.id, "stranger": stranger.id, "today": today}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(RosterEntry))


def test_the_week_grid_saves_shifts_and_refuses_unknown_ones(client, crew, app) -> None:
    login(client, "lead.wang")
    page = client.get("/teams/roster?department=service").get_data(as_text=True)
    assert "在岗员工" in page and 'data-testid="roster-grid"' in page
    monday = crew["today"] - timedelta(days=crew["today"].weekday())
    path = f"/teams/roster?department=service&week={monday.isoformat()}"
    token = csrf_token(client, path)
    day = monday.isoformat()
    response = client.post(
        path,
        data={
            "csrf_token": token,
            f"shift-{crew['on']}-{day}": "early",
            # Another team's agent, and a day outside the week: ignored.
            f"shift-{crew['stranger']}-{day}": "rest",
            f"shift-{crew['on']}-2099-01-01": "rest",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        shifts = dict(db.session.execute(select(RosterEntry.user_id, RosterEntry.shift)).all())
        assert shifts[crew["on"]] == "early" and crew["stranger"] not in shifts
    bad = client.post(path, data={"csrf_token": token, f"shift-{crew['on']}-{day}": "night<b>"})
    assert bad.status_code == 400
    # The department switch does not reach a department the supervisor does not manage.
    assert "技术组" not in client.get("/teams/roster?department=tech_support&week=x").get_data(
        as_text=True
    )


def test_the_import_on_the_page_lists_bad_rows_escaped_and_writes_nothing(
    client, crew, app
) -> None:
    login(client, "lead.wang")
    path = "/teams/roster?department=service"
    token = csrf_token(client, path)
    with app.app_context():
        before = _count()
    body = (
        "用户名,日期,班次\nagent.on,2026-12-07,早班\nagent.x,2026-12-07,早班\n"
        "agent.on,2026-12-08,<b>夜班</b>\n"
    )
    response = client.post(
        "/teams/roster/import?department=service",
        data={"csrf_token": token, "file": (io.BytesIO(body.encode()), "排班.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-testid="roster-errors"' in page and "<b>夜班" not in page
    with app.app_context():
        assert _count() == before
    junk = client.post(
        "/teams/roster/import?department=service",
        data={"csrf_token": token, "file": (io.BytesIO(b"\x00\x01PK"), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 400


def test_the_wallboard_shows_who_is_on_duty_and_contingency_who_to_call_in(client, crew) -> None:
    login(client, "lead.wang")
    board = client.get("/home/sla_wallboard").get_data(as_text=True)
    on = board[board.index('data-testid="on-duty"') :]
    assert "在岗员工" in on.split('data-testid="off-duty"')[0]
    assert "休息员工" in board[board.index('data-testid="off-duty"') :]
    assert "别组员工" not in board
    plan = client.get("/contingency/").get_data(as_text=True)
    call_in = plan[plan.index('data-testid="call-in"') :]
    assert "休息员工" in call_in and "在岗员工" not in call_in.split("</section>")[0]
