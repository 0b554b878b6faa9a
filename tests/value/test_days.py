"""Days are the department's days: a consent cannot be dated after today there, and a birthday
entered at 01:00 in Shanghai may be today's date there (the server's clock is UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from crm.errors import DomainError
from crm.extensions import db
from crm.value.care import care_dates_of, set_care_date
from crm.value.consent import consents_of, record_consent
from crm.value.models import ConsentEvent
from tests.conftest import csrf_token
from tests.factories import make_customer, make_user

#: 01:00 on 2 June in Shanghai, still 1 June in UTC
SHANGHAI_1AM = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)


def _consent(actor, customer, granted, given_on):
    return record_consent(
        actor=actor,
        customer=customer,
        channel="sms",
        granted=granted,
        source="call",
        given_on=given_on,
    )


def test_a_consent_dated_after_the_department_day_is_refused(ctx) -> None:
    with time_machine.travel(SHANGHAI_1AM, tick=False):
        boss = make_user(roles=["supervisor"])
        customer = make_customer(actor=boss)
        with pytest.raises(DomainError) as refused:
            _consent(boss, customer, True, date(2030, 1, 1))
        assert refused.value.field == "given_on"
        with pytest.raises(DomainError):
            _consent(boss, customer, True, date(2026, 6, 3))
        _consent(boss, customer, True, date(2026, 6, 2))  # today in Shanghai
        _consent(boss, customer, False, date(2026, 6, 2))  # same day: the later entry decides
        assert consents_of(customer)["sms"].granted is False


def test_the_consent_form_refuses_a_future_day(app, client, login_as) -> None:
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        customer_id = make_customer(actor=boss).id
        db.session.commit()
    login_as("agent")
    token = csrf_token(client, f"/value/customers/{customer_id}")
    response = client.post(
        f"/value/customers/{customer_id}/consent",
        data={
            "csrf_token": token,
            "channel": "sms",
            "granted": "1",
            "source": "call",
            "given_on": "2099-01-01",
        },
    )
    assert response.status_code in (200, 400)
    with app.app_context():
        assert db.session.scalar(select(ConsentEvent.id)) is None


def test_a_birthday_today_in_shanghai_is_accepted_at_1am(ctx) -> None:
    with time_machine.travel(SHANGHAI_1AM, tick=False):
        boss = make_user(roles=["supervisor"])
        customer = make_customer(actor=boss)
        set_care_date(actor=boss, customer=customer, kind="birthday", on_date=date(2026, 6, 2))
        assert care_dates_of(customer) == {"birthday": date(2026, 6, 2)}
        with pytest.raises(DomainError):
            set_care_date(actor=boss, customer=customer, kind="birthday", on_date=date(2026, 6, 3))
