"""Team scoping: a team leader sees their own team's queue, callbacks and wallboard until they
switch to the whole department, on the web and through the API alike; opening a case by URL
follows the department rule."""

from __future__ import annotations

import pytest

from crm.callbacks.models import CallbackTask
from crm.cases.models import DepartmentSupervisor
from crm.extensions import db
from crm.teams.scope import DEPARTMENT, TEAM, scope_for
from tests.conftest import csrf_token, login
from tests.factories import make_user
from tests.teams.support import World, build_world


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        return build_world()


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _switch(client, kind: str, back: str = "/cases/queue"):
    return client.post(
        "/teams/scope",
        data={"scope": kind, "next": back, "csrf_token": csrf_token(client, "/cases/queue")},
    )


def test_a_team_leader_sees_their_teams_queue_until_they_switch(client, world) -> None:
    login(client, "lead.a")
    page = client.get("/cases/queue").get_data(as_text=True)
    assert "甲组的工单" in page and "没人接" in page
    assert "乙组的工单" not in page
    assert 'data-testid="scope-switch"' in page

    response = _switch(client, DEPARTMENT)
    assert response.status_code == 302 and response.headers["Location"] == "/cases/queue"
    # The choice is kept: the next visit, without any parameter, shows the department.
    page = client.get("/cases/queue").get_data(as_text=True)
    assert "乙组的工单" in page and "甲组的工单" in page

    _switch(client, TEAM)
    assert "乙组的工单" not in client.get("/cases/queue").get_data(as_text=True)


def test_the_callback_board_and_wallboard_are_scoped_too(client, world, app) -> None:
    login(client, "lead.a")
    board = client.get("/callbacks/board").get_data(as_text=True)
    assert f'value="{world.task_a}"' in board and f'value="{world.task_b}"' not in board
    wallboard = client.get("/home/sla_wallboard").get_data(as_text=True)
    assert "乙组的工单" not in wallboard
    _switch(client, DEPARTMENT, "/")
    assert f'value="{world.task_b}"' in client.get("/callbacks/board").get_data(as_text=True)


def test_the_api_uses_the_same_scope_and_the_kept_choice(client, world, app) -> None:
    headers = bearer(world.tokens["lead.a"])
    ids = {c["id"] for c in client.get("/api/v1/cases", headers=headers).json["items"]}
    assert world.case_a in ids and world.pool in ids and world.case_b not in ids
    tasks = {t["id"] for t in client.get("/api/v1/callbacks", headers=headers).json["items"]}
    assert tasks == {world.task_a}

    wide = client.get("/api/v1/cases?scope=department", headers=headers).json["items"]
    assert world.case_b in {c["id"] for c in wide}
    wide_tasks = client.get("/api/v1/callbacks?scope=department", headers=headers).json["items"]
    assert {t["id"] for t in wide_tasks} == {world.task_a, world.task_b}

    # A choice made on the web is the API's default too.
    login(client, "lead.a")
    _switch(client, DEPARTMENT)
    ids = {c["id"] for c in client.get("/api/v1/cases", headers=headers).json["items"]}
    assert world.case_b in ids
    assert client.get("/api/v1/cases?scope=everything", headers=headers).status_code == 422


def test_opening_the_other_teams_case_follows_the_department_rule(client, world, app) -> None:
    login(client, "lead.a")
    headers = bearer(world.tokens["lead.a"])
    # Nobody is named for the department: every supervisor may see all of it, so the switch
    # is allowed and the other team's case opens by URL as well.
    assert client.get(f"/cases/{world.case_b}").status_code == 200
    assert client.get(f"/api/v1/cases/{world.case_b}", headers=headers).status_code == 200

    with app.app_context():
        db.session.add(DepartmentSupervisor(department="service", user_id=world.lead_b.id))
        db.session.commit()
    # Now lead.a leads a team there but does not supervise the department.
    assert client.get(f"/cases/{world.case_b}").status_code == 404
    assert client.get(f"/api/v1/cases/{world.case_b}", headers=headers).status_code == 404
    assert client.get(f"/cases/{world.case_a}").status_code == 200
    assert client.get(f"/cases/{world.pool}").status_code == 200
    # ... and cannot switch: asking for the department still shows the team.
    _switch(client, DEPARTMENT)
    page = client.get("/cases/queue").get_data(as_text=True)
    assert "乙组的工单" not in page and "Show the whole department" not in page
    ids = {
        c["id"] for c in client.get("/api/v1/cases?scope=department", headers=headers).json["items"]
    }
    assert world.case_b not in ids
    # The named supervisor (leading team B) still opens team A's case.
    other = app.test_client()
    login(other, "lead.b")
    assert other.get(f"/cases/{world.case_a}").status_code == 200


def test_supervisors_without_a_team_see_everything_as_before(client, world, app) -> None:
    with app.app_context():
        boss = make_user(username="boss", roles=["supervisor"])
        assert not scope_for(boss).narrowed
    login(client, "boss")
    page = client.get("/cases/queue").get_data(as_text=True)
    assert "乙组的工单" in page and "甲组的工单" in page
    assert 'data-testid="scope-switch"' not in page


def test_the_switch_refuses_a_foreign_next_and_needs_csrf(client, world) -> None:
    login(client, "lead.a")
    response = client.post(
        "/teams/scope",
        data={
            "scope": DEPARTMENT,
            "next": "//evil.example/",
            "csrf_token": csrf_token(client, "/cases/queue"),
        },
    )
    assert response.headers["Location"] == "/cases/queue"
    assert client.post("/teams/scope", data={"scope": DEPARTMENT}).status_code == 400


def test_the_homes_callback_progress_shows_the_leaders_team(client, world) -> None:
    login(client, "lead.a")
    progress = client.get("/home/team_callbacks").get_data(as_text=True)
    assert "甲员工" in progress and "乙员工" not in progress


def test_a_leader_cannot_reassign_callbacks_of_people_they_may_not_see(client, world, app) -> None:
    with app.app_context():
        db.session.add(DepartmentSupervisor(department="service", user_id=world.lead_b.id))
        db.session.commit()
    login(client, "lead.a")
    token = csrf_token(client, "/callbacks/board")
    client.post(
        "/callbacks/board/reassign",
        data={
            "csrf_token": token,
            "task_ids": [str(world.task_a), str(world.task_b)],
            "assignee_id": str(world.agent_a.id),
        },
    )
    with app.app_context():
        assert db.session.get(CallbackTask, world.task_b).assignee_id == world.agent_b.id
