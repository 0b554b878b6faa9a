"""One care date per customer and kind: the database says so, and a merge keeps the kept
customer's date where both have one (the other stays with the retired record for an undo)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.customers.merge import merge_customers
from crm.extensions import db
from crm.value.care import care_dates_of
from crm.value.models import CareDate
from tests.factories import make_customer, make_user


def test_a_customer_has_one_date_per_kind(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    customer = make_customer(actor=boss)
    db.session.add(CareDate(customer_id=customer.id, kind="birthday", on_date=date(1990, 1, 1)))
    db.session.flush()
    db.session.add(CareDate(customer_id=customer.id, kind="birthday", on_date=date(1991, 1, 1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_merge_keeps_one_date_per_kind(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    source = make_customer(actor=boss)
    target = make_customer(actor=boss)
    db.session.add_all(
        [
            CareDate(customer_id=source.id, kind="birthday", on_date=date(1990, 1, 1)),
            CareDate(customer_id=source.id, kind="warranty", on_date=date(2027, 1, 1)),
            CareDate(customer_id=target.id, kind="birthday", on_date=date(1985, 5, 5)),
        ]
    )
    db.session.commit()
    merge_customers(actor=boss, source=source, target=target)
    db.session.commit()
    assert care_dates_of(target) == {"birthday": date(1985, 5, 5), "warranty": date(2027, 1, 1)}
    assert db.session.scalars(
        select(CareDate.kind).where(CareDate.customer_id == source.id)
    ).all() == ["birthday"]
