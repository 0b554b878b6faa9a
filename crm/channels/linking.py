"""Saying whose a case is when its sender's address named no customer or several: the
candidates by the sender's e-mail and phone, and a new customer made from the sender."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from crm.auth.models import User
from crm.cases.arrivals import link_customer
from crm.cases.models import Case
from crm.customers.models import Customer
from crm.customers.phones import normalise_phone
from crm.customers.search import customers_with_phone
from crm.customers.services import ProfileInput, create_customer
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


def candidates(case: Case, limit: int = 20) -> list[Customer]:
    """Live customers who have the sender's e-mail address or phone number."""
    found: dict[int, Customer] = {}
    if case.requester_email:
        for customer in db.session.scalars(
            select(Customer)
            .where(
                func.lower(Customer.email) == case.requester_email.lower(),
                Customer.deleted_at.is_(None),
            )
            .order_by(Customer.id)
            .limit(limit)
        ):
            found[customer.id] = customer
    if case.requester_phone:
        try:
            e164 = normalise_phone(case.requester_phone)
        except DomainError:
            e164 = None
        if e164:
            for customer in customers_with_phone(e164, limit=limit):
                found.setdefault(customer.id, customer)
    return list(found.values())[:limit]


def new_customer_from_sender(*, actor: User, case: Case, now: datetime) -> Customer:
    """Make the sender a customer and give them the case.

    :raises DuplicateCustomer: when their phone number is a customer's already (the candidates
        list shows who; the agent picks one).
    :raises DomainError: when the case has its customer already (a second click on a page
        left open) or the sender left neither an address nor a number.
    """
    if case.customer_id is not None:
        raise DomainError(_l("This case has its customer already."))
    email = case.requester_email
    if not email and not case.requester_phone:
        raise DomainError(
            _l("The sender left no e-mail address or phone number: find the customer instead.")
        )
    customer = create_customer(
        actor=actor,
        data=ProfileInput(
            name=case.requester_name or (email or "").split("@")[0] or "?",
            phones=[case.requester_phone] if case.requester_phone else [],
            email=email,
        ),
    )
    link_customer(actor=actor, case=case, customer=customer, now=now)
    return customer
