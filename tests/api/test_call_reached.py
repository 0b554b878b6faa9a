"""Issue 21: a call the phone system logs as not reached is history, not contact; the
customer's API timeline lists skipped callbacks with their reason."""

from __future__ import annotations

from crm.api.tokens import create_token
from crm.callbacks.services import skip_task
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_plan, make_task, make_user


def test_an_unanswered_call_does_not_move_the_last_contact(app, client) -> None:
    with app.app_context():
        agent = make_user(username="agent.li", roles=["agent"])
        boss = make_user(roles=["supervisor"])
        customer = make_customer(actor=agent, name="张伟", phones=["13800138000"])
        task = make_task(make_plan(actor=boss, customer=customer, assignee=agent))
        skip_task(actor=agent, task=task, reason="customer_away", note="出差")
        token = create_token(actor=agent, name="电话系统", now=utcnow())[1]
        db.session.commit()
        customer_id = customer.id
    headers = {"Authorization": f"Bearer {token}"}
    call = {
        "customer_id": customer_id,
        "started_at": "2026-11-20T09:30:00+08:00",
        "duration_seconds": 0,
        "direction": "outbound",
        "reached": False,
    }
    response = client.post("/api/v1/interactions", json=call, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["reached"] is False
    with app.app_context():
        assert db.session.get(Customer, customer_id).last_contact_at is None
    detail = client.get(f"/api/v1/customers/{customer_id}", headers=headers).json
    assert {"kind": "callback", "summary": "出差"}.items() <= detail["timeline"][0].items()
    assert detail["last_contact_at"] is None
