"""A team leader opens, skips, reschedules and completes only the callbacks of people they may
see, by URL and through the API, as on the board and in reassigning."""

from __future__ import annotations

import pytest

from crm.callbacks.models import CallbackTask
from crm.cases.models import DepartmentSupervisor
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.teams.support import World, build_world


@pytest.fixture
def world(app) -> World:
    """Team B's leader is the department's named supervisor: team A's leader sees only team A
    (the setting in which the board refuses to reassign team B's callbacks)."""
    with app.app_context():
        world = build_world()
        db.session.add(DepartmentSupervisor(department="service", user_id=world.lead_b.id))
        db.session.commit()
        return world


def test_a_leader_cannot_touch_another_teams_callback_by_url(client, world, app) -> None:
    login(client, "lead.a")
    assert client.get(f"/callbacks/tasks/{world.task_a}").status_code == 200
    assert client.get(f"/callbacks/tasks/{world.task_b}").status_code == 404
    token = csrf_token(client, "/callbacks/board")
    skipped = client.post(
        f"/callbacks/tasks/{world.task_b}/skip",
        data={"csrf_token": token, "reason": "other", "note": "x"},
    )
    assert skipped.status_code == 404
    moved = client.post(
        f"/callbacks/tasks/{world.task_b}/reschedule",
        data={"csrf_token": token, "reason": "other", "note": "x", "new_date": "2099-01-01"},
    )
    assert moved.status_code == 404
    with app.app_context():
        assert db.session.get(CallbackTask, world.task_b).status == "due"


def test_the_api_refuses_another_teams_callback(client, world, app) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['lead.a']}"}
    response = client.post(
        f"/api/v1/callbacks/{world.task_b}/complete",
        json={"reached": True, "notes": "done"},
        headers=headers,
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(CallbackTask, world.task_b).status == "due"
