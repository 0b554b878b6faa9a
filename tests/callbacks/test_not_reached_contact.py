"""Reported bug: "a not-reached callback updates 最近联系 (last contact)". Recording a callback
as not reached, on the worklist or through the API, leaves the last contact alone; a reached
one sets it."""

from __future__ import annotations

import pytest

from crm.api.tokens import create_token
from crm.auth.models import User
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer, make_plan, make_task, make_user


def planned_call(app, agent_id: int) -> tuple[int, int]:
    """A customer and a callback due for the agent: (customer id, task id)."""
    with app.app_context():
        boss = make_user(username="boss.wang", roles=["supervisor"])
        customer = make_customer(actor=boss, name="钱七", phones=["13800138000"])
        plan = make_plan(actor=boss, customer=customer, assignee=db.session.get(User, agent_id))
        task = make_task(plan)
        db.session.commit()
        return customer.id, task.id


def last_contact(app, customer_id: int):
    with app.app_context():
        return db.session.get(Customer, customer_id).last_contact_at


@pytest.mark.parametrize(("reached", "counts"), [("no", False), ("yes", True)])
def test_the_worklist_counts_only_a_reached_callback_as_contact(
    app, client, login_as, reached, counts
) -> None:
    agent = login_as("agent")
    customer_id, task_id = planned_call(app, agent.id)
    response = client.post(
        f"/callbacks/tasks/{task_id}/complete",
        data={"reached": reached, "notes": "回访", "csrf_token": csrf_token(client, "/callbacks/")},
    )
    assert response.status_code == 302
    assert (last_contact(app, customer_id) is not None) is counts


@pytest.mark.parametrize(("reached", "counts"), [(False, False), (True, True)])
def test_the_api_counts_only_a_reached_callback_as_contact(app, client, reached, counts) -> None:
    with app.app_context():
        agent = make_user(username="agent.zhao", roles=["agent"])
        raw = create_token(actor=agent, name="电话系统", now=utcnow())[1]
        db.session.commit()
        agent_id = agent.id
    customer_id, task_id = planned_call(app, agent_id)
    response = client.post(
        f"/api/v1/callbacks/{task_id}/complete",
        json={"reached": reached, "notes": "回访"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200, response.json
    assert (last_contact(app, customer_id) is not None) is counts
