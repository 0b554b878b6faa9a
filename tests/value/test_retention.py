"""Retention periods: what outlived its kind's period goes, the rest and the figures stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.customers.import_models import ImportBatch, ImportRow
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.notifications.models import Notification
from crm.value.models import ValueSetting
from crm.value.retention import enforce_retention
from tests.factories import make_customer, make_interaction, make_user, notify_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_old_records_go_by_their_kinds_period_and_the_rest_stay(ctx) -> None:
    agent = make_user(roles=["agent"])
    customer = make_customer(actor=agent)
    old = make_interaction(
        customer=customer,
        actor=agent,
        details="旧的细节",
        occurred_at=utcnow() - timedelta(days=400),
    )
    new = make_interaction(customer=customer, actor=agent, details="新的细节")
    notify_user(agent)
    db.session.execute(
        Notification.__table__.update().values(created_at=utcnow() - timedelta(days=366))
    )
    notify_user(make_user(roles=["agent"]))
    batch = ImportBatch(
        filename="a.csv", created_by_id=agent.id, created_at=utcnow() - timedelta(days=181)
    )
    db.session.add(batch)
    db.session.flush()
    db.session.add(ImportRow(batch_id=batch.id, line=2, action="create", name="某人"))
    db.session.flush()

    enforce_retention(utcnow())
    assert _count(Notification) == 1
    assert _count(ImportRow) == 0
    # Interaction details are kept for ever by default ...
    assert db.session.get(Interaction, old.id).details == "旧的细节"
    # ... until an administrator sets a period; the interaction itself stays.
    db.session.add(ValueSetting(key="retention", value={"interaction_details": 365}))
    db.session.flush()
    enforce_retention(utcnow())
    db.session.expire_all()
    assert db.session.get(Interaction, old.id).details is None
    assert db.session.get(Interaction, new.id).details == "新的细节"
    assert _count(Interaction) == 2
    assert enforce_retention(utcnow()) == 0
