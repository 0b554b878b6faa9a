"""Read-only figures of this domain: a customer's value and trend, the segment counts and
their movement between months, and the customer page's pieces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Date, Integer, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db
from crm.timezones import department_today
from crm.value.consent import consents_of
from crm.value.models import ConsentEvent, CustomerValue, Offer, SegmentMonth, SegmentRule
from crm.value.offers import offers_for
from crm.value.rfm import NO_PURCHASES, month_of


def segment_names() -> dict[str, str]:
    return dict(
        db.session.execute(
            select(SegmentRule.code, SegmentRule.name).order_by(SegmentRule.position)
        ).all()
    )


def previous_month(month: date) -> date:
    return month_of(month - timedelta(days=1))


@dataclass(frozen=True)
class ValuePiece:
    value: CustomerValue | None
    #: the segment the customer ended last month in, when it was another one
    previous: str | None
    names: dict[str, str]
    consents: dict[str, ConsentEvent]
    offers: list[Offer]
    may_edit: bool


@cache
def _value_statement() -> Select:
    """The customer's value with the segment they ended the last month before this one in:
    one statement, built once (the customer page's pieces are built on every visit, and
    building a statement costs more than running it)."""
    customer_id = bindparam("customer_id", type_=Integer)
    before = (
        select(SegmentMonth.segment)
        .where(
            SegmentMonth.customer_id == customer_id,
            SegmentMonth.month < bindparam("this_month", type_=Date),
        )
        .order_by(SegmentMonth.month.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(CustomerValue, before).where(CustomerValue.customer_id == customer_id)


def value_piece(customer: Customer, viewer: User) -> ValuePiece | None:
    """The customer page's value, consent and offers piece; roles that do not serve
    customers do not see it."""
    if not viewer.can(Permission.CUSTOMERS_EDIT):
        return None
    this_month = month_of(department_today(utcnow()))
    row = db.session.execute(
        _value_statement(), {"customer_id": customer.id, "this_month": this_month}
    ).first()
    # Without a value (no purchases) the segment before is never shown.
    value, before = row if row is not None else (None, None)
    previous = before if value is not None and before and before != value.segment else None
    return ValuePiece(
        value=value,
        previous=previous,
        names=segment_names(),
        consents=consents_of(customer),
        offers=offers_for(customer),
        may_edit=not customer.is_deleted,
    )


def segment_counts() -> dict[str, int]:
    """Live customers per segment now; those who never bought under NO_PURCHASES."""
    counts = dict(
        db.session.execute(
            select(CustomerValue.segment, func.count())
            .join(Customer, Customer.id == CustomerValue.customer_id)
            .where(Customer.deleted_at.is_(None))
            .group_by(CustomerValue.segment)
        ).all()
    )
    live = db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
    )
    counts[NO_PURCHASES] = (live or 0) - sum(counts.values())
    return counts


def movement(month: date) -> dict[tuple[str, str], int]:
    """How many customers moved from each segment at the end of the month before ``month``
    to each segment at the end of ``month`` (or now, for the current month)."""
    before, after = aliased(SegmentMonth), aliased(SegmentMonth)
    return {
        (old, new): count
        for old, new, count in db.session.execute(
            select(before.segment, after.segment, func.count())
            .join(after, after.customer_id == before.customer_id)
            .where(before.month == previous_month(month), after.month == month)
            .group_by(before.segment, after.segment)
        )
    }


def segment_cells(customer_ids: list[int]) -> dict[int, str]:
    names = segment_names()
    return {
        customer_id: names.get(segment, segment)
        for customer_id, segment in db.session.execute(
            select(CustomerValue.customer_id, CustomerValue.segment).where(
                CustomerValue.customer_id.in_(customer_ids)
            )
        )
    }
