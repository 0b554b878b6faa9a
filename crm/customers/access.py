"""Fetch-and-authorize: views load customers only through here."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import joinedload

from crm.access import may_read_customer
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.auth.queries import users_shown_by_name
from crm.customers.models import Customer, CustomerMerge
from crm.extensions import db

#: a profile is shown with its phones (in the same statement) and its users' names; the
#: statement is built once, as ``session.get`` builds its own again on every call
_PROFILE = (
    select(Customer)
    .options(joinedload(Customer.phones), *users_shown_by_name(Customer))
    .where(Customer.id == bindparam("customer_id", type_=Integer))
)


def customer_for(actor: User, customer_id: int) -> Customer:
    """The customer if ``actor`` may see it, else a 404 (never a 403, which would confirm that
    the id exists). Deleted customers are visible only to those who may restore them."""
    found = db.session.execute(_PROFILE, {"customer_id": customer_id})
    customer = found.unique().scalar_one_or_none()
    if customer is None or not may_read_customer(actor, customer):
        abort(404)
    return customer


def merge_for(actor: User, merge_id: int) -> CustomerMerge:
    """The record of a merge, for those who may merge (and undo); a 404 for anyone else."""
    merge = db.session.get(CustomerMerge, merge_id)
    if merge is None or not actor.can(Permission.CUSTOMERS_MANAGE):
        abort(404)
    return merge
