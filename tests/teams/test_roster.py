"""The duty roster: shift times in Shanghai stored in UTC, who is on duty at a moment, the
routing and callbacks that skip people who are off, and the spreadsheet import that writes all
or nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.callbacks.models import CallbackTask
from crm.callbacks.plans import add_tasks
from crm.cases.routing import pick_assignee, set_routing
from crm.extensions import db
from crm.teams.models import RosterEntry, Shift
from crm.teams.roster import Change, apply_changes, cover_for, off_duty, shift_bounds
from crm.teams.roster_import import RosterFileError, import_roster
from crm.teams.services import create_team, set_members
from tests.factories import make_customer, make_plan, make_user

MONDAY = date(2026, 3, 2)
#: Monday 10:00 in Shanghai
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def crew(ctx):
    admin = make_user(username="admin.chen", roles=["admin"])
    lead = make_user(username="lead.wang", roles=["supervisor"])
    agents = [make_user(username=f"agent{n}", roles=["agent"]) for n in range(3)]
    team = create_team(actor=admin, department="service", name="一组", leader=lead)
    set_members(actor=admin, team=team, user_ids={a.id for a in agents})
    return admin, agents


def _roster(admin, *rows: tuple) -> None:
    apply_changes(actor=admin, changes=[Change(u.id, day, shift) for u, day, shift in rows])


def test_shifts_are_shanghai_hours_kept_in_utc(ctx) -> None:
    assert shift_bounds(MONDAY, Shift.EARLY.value) == (
        datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    )
    # The late shift ends at midnight, on the next day.
    assert shift_bounds(MONDAY, Shift.LATE.value)[1] == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert shift_bounds(MONDAY, Shift.REST.value) == (None, None)


def test_off_duty_means_a_day_off_or_another_shift_and_no_roster_means_on_duty(crew) -> None:
    admin, (early, late, unrostered) = crew
    _roster(admin, (early, MONDAY, "early"), (late, MONDAY, "late"))
    assert off_duty({early.id, late.id, unrostered.id}, T0) == {late.id}
    _roster(admin, (early, MONDAY, "rest"))
    assert off_duty({early.id, late.id, unrostered.id}, T0) == {early.id, late.id}
    # Sunday's late shift still runs at 23:30 on Sunday; the early one has ended.
    sunday_night = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    _roster(admin, (late, date(2026, 3, 1), "late"), (early, date(2026, 3, 1), "early"))
    assert off_duty({early.id, late.id}, sunday_night) == {early.id}
    # Clearing a day takes the person back to "no roster".
    _roster(admin, (early, MONDAY, ""))
    assert early.id not in off_duty({early.id}, T0)
    assert db.session.scalar(select(func.count()).select_from(RosterEntry)) == 3


def test_new_cases_skip_agents_off_duty_and_wait_when_all_are_off(crew) -> None:
    admin, agents = crew
    set_routing(
        actor=admin, department="service", mode="round_robin", agent_ids={a.id for a in agents}
    )
    _roster(admin, (agents[0], MONDAY, "rest"), (agents[1], MONDAY, "late"))
    assert {pick_assignee("service", T0) for _ in range(4)} == {agents[2].id}
    _roster(admin, (agents[2], MONDAY, "middle"))
    assert pick_assignee("service", T0) is None
    # Without any roster everyone is on duty, as before.
    assert pick_assignee("tech_support", T0) is None  # nobody works that queue
    _roster(admin, *((a, MONDAY, "") for a in agents))
    assert pick_assignee("service", T0) in {a.id for a in agents}


def test_a_callback_due_on_a_day_off_goes_to_the_fallback_or_a_team_mate(crew) -> None:
    admin, (owner, mate, fallback) = crew
    customer = make_customer(actor=admin)
    plan = make_plan(actor=admin, customer=customer, assignee=owner)
    _roster(admin, (owner, MONDAY, "rest"))
    assert cover_for(owner.id, MONDAY) == mate.id
    assert cover_for(owner.id, MONDAY, fallback.id) == fallback.id
    assert cover_for(owner.id, date(2026, 3, 3)) is None
    add_tasks(plan, [MONDAY, date(2026, 3, 3)])
    given = dict(
        db.session.execute(
            select(CallbackTask.due_date, CallbackTask.assignee_id).where(
                CallbackTask.plan_id == plan.id
            )
        ).all()
    )
    assert given[MONDAY] == mate.id and given[date(2026, 3, 3)] == owner.id
    # Everyone off: the owner keeps it rather than nobody.
    _roster(admin, (mate, MONDAY, "rest"), (fallback, MONDAY, "rest"))
    assert cover_for(owner.id, MONDAY, fallback.id) is None


def _csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


def test_an_import_with_one_bad_row_writes_nothing_and_lists_every_bad_row(crew) -> None:
    admin, agents = crew
    people = {a.username: a.id for a in agents}
    data = _csv(
        "用户名,日期,班次\n"
        "agent0,2026-03-02,早班\n"
        "nobody,2026-03-02,早班\n"
        "agent1,2026-02-30,早班\n"
        "agent1,2026-03-02,夜班\n"
        "agent0,2026/03/02,休息\n"
        "<b>x</b>,2026-03-03,early\n"
    )
    with pytest.raises(RosterFileError) as refused:
        import_roster(actor=admin, filename="roster.csv", data=data, people=people)
    assert [row.line for row in refused.value.rows] == [3, 4, 5, 6, 7]
    assert "2" in refused.value.rows[3].message  # the duplicate names the first line
    assert db.session.scalar(select(func.count()).select_from(RosterEntry)) == 0
    good = _csv("username,date,shift\nAgent0,2026-03-02,早班\nagent1,2026/03/03,rest\n")
    assert import_roster(actor=admin, filename="roster.csv", data=good, people=people) == 2
    assert off_duty({agents[0].id}, T0) == set()


def test_an_xlsx_with_date_cells_imports_and_a_file_without_the_columns_is_refused(crew) -> None:
    admin, agents = crew
    book = Workbook()
    sheet = book.active
    sheet.append(["用户名", "日期", "班次"])
    sheet.append(["agent2", datetime(2026, 3, 2), "晚班"])
    sheet.append(["agent2", "2026-03-03", "休息"])
    out = io.BytesIO()
    book.save(out)
    people = {a.username: a.id for a in agents}
    assert import_roster(actor=admin, filename="排班.xlsx", data=out.getvalue(), people=people) == 2
    assert off_duty({agents[2].id}, T0) == {agents[2].id}
    with pytest.raises(Exception) as wrong:
        import_roster(actor=admin, filename="a.csv", data=_csv("name,day\nx,y\n"), people=people)
    assert not isinstance(wrong.value, RosterFileError)
