"""Marketing consent per customer and channel, and the marketing lists that honour it.

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cache

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, func, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.models import Customer, CustomerPhone
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.timezones import department_today
from crm.value.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentSource,
    CustomerValue,
    Erasure,
)


def record_consent(
    *,
    actor: User,
    customer: Customer,
    channel: str,
    granted: bool,
    source: str,
    given_on: date,
) -> ConsentEvent:
    """Record that the customer gave (or withdrew) consent to be contacted on a channel.

    :raises PermissionDenied: unless the actor edits customers.
    :raises DomainError: naming the field at fault.
    """
    if not actor.can(Permission.CUSTOMERS_EDIT):
        raise PermissionDenied(_l("You may not change this customer."))
    if customer.is_deleted:
        raise DomainError(_l("This customer has been deleted."))
    if channel not in {c.value for c in ConsentChannel}:
        raise DomainError(_l("Choose a channel from the list."), field="channel")
    if source not in {s.value for s in ConsentSource}:
        raise DomainError(_l("Say how the customer gave it."), field="source")
    # A day ahead would outrank every later withdrawal until it came.
    if given_on > department_today(utcnow()):
        raise DomainError(_l("The day cannot be in the future."), field="given_on")
    event = ConsentEvent(
        customer_id=customer.id,
        channel=channel,
        granted=granted,
        source=source,
        given_on=given_on,
        created_by_id=actor.id,
    )
    db.session.add(event)
    db.session.flush()
    record(
        action=AuditAction.CONSENT_RECORDED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"channel": channel, "granted": granted, "source": source},
    )
    return event


def _newest(*where: ColumnElement[bool]) -> Select:
    """Each customer's and channel's newest event (by the day given, then by entry), among the
    events ``where`` picks (all by default)."""
    ranked = (
        select(
            ConsentEvent.id,
            func.row_number()
            .over(
                partition_by=(ConsentEvent.customer_id, ConsentEvent.channel),
                order_by=(ConsentEvent.given_on.desc(), ConsentEvent.id.desc()),
            )
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank == 1)


def consents_of(customer: Customer) -> dict[str, ConsentEvent]:
    """The consent in force per channel; a channel missing has never been asked."""
    events = db.session.scalars(_in_force(), {"customer_id": customer.id})
    return {event.channel: event for event in events}


@cache
def _in_force() -> Select:
    """:func:`consents_of`'s statement, built once (every customer page runs it). Ranked among
    the customer's own events: ranking the whole table on every customer page cost 60 ms of
    CPU at 10,000 customers, and grows with the table."""
    mine = ConsentEvent.customer_id == bindparam("customer_id", type_=Integer)
    return select(ConsentEvent).where(mine, ConsentEvent.id.in_(_newest(mine)))


def history_of(customer: Customer) -> list[ConsentEvent]:
    return list(
        db.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer.id)
            .order_by(ConsentEvent.given_on.desc(), ConsentEvent.id.desc())
        )
    )


def consenting(channel: str) -> Select:
    """The ids of live, not anonymised customers whose consent in force on ``channel`` is a
    grant: the only people a marketing list may hold."""
    return (
        select(ConsentEvent.customer_id)
        .join(Customer, Customer.id == ConsentEvent.customer_id)
        .where(
            ConsentEvent.id.in_(_newest()),
            ConsentEvent.channel == channel,
            ConsentEvent.granted.is_(True),
            Customer.deleted_at.is_(None),
            ~Customer.id.in_(select(Erasure.customer_id)),
        )
    )


def marketing_rows(channel: str, *, segment: str | None = None) -> Iterator[tuple]:
    """(id, name, address) of every customer one may contact on ``channel``: the phone
    number for calls and SMS, the e-mail address for e-mail; people without one are left out.

    :raises DomainError: for an unknown channel.
    """
    if channel not in {c.value for c in ConsentChannel}:
        raise DomainError(_l("Choose a channel from the list."), field="channel")
    if channel == ConsentChannel.EMAIL:
        query = select(Customer.id, Customer.name, Customer.email).where(
            Customer.email.is_not(None), Customer.email != ""
        )
    else:
        query = select(Customer.id, Customer.name, CustomerPhone.number).join(
            CustomerPhone,
            and_(CustomerPhone.customer_id == Customer.id, CustomerPhone.is_primary.is_(True)),
        )
    query = query.where(Customer.id.in_(consenting(channel)))
    if segment:
        query = query.join(CustomerValue, CustomerValue.customer_id == Customer.id).where(
            CustomerValue.segment == segment
        )
    for row in db.session.execute(query.order_by(Customer.id)):
        yield tuple(row)
