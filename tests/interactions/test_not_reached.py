"""Issue 21: an attempt logged on the customer's page as not reached is history, not contact."""

from __future__ import annotations

from crm.customers.models import Customer
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer


def test_a_contact_logged_as_not_reached_is_not_the_last_contact(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="王芳").id
        db.session.commit()
    page = f"/customers/{customer_id}"
    form = {
        "csrf_token": csrf_token(client, page),
        "channel": "phone",
        "direction": "outbound",
        "category": "inquiry",
        "summary": "回电无人接听",
        "occurred_at": "2026-11-20T09:30",
        "not_reached": "y",
    }
    assert client.post(f"{page}/interactions", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Customer, customer_id).last_contact_at is None
    del form["not_reached"]
    assert client.post(f"{page}/interactions", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Customer, customer_id).last_contact_at is not None
