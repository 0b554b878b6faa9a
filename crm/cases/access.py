"""Fetch-and-authorize for cases: views load them only through here, by the rules of
``crm/access.py`` and a team leader's scope (``crm/teams/scope.py``)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import defaultload

from crm.access import may_change_case, may_read_case
from crm.auth.models import User
from crm.auth.queries import users_shown_by_name
from crm.cases.models import Case
from crm.customers.models import Customer
from crm.extensions import db
from crm.teams.scope import may_open_case

#: built once (``session.get`` builds its statement on every call); the case's people and its
#: customer's owner are shown by name, so their roles are not read (a statement)
_CASE = (
    select(Case)
    .options(
        *users_shown_by_name(Case),
        defaultload(Case.customer).defaultload(Customer.owner).lazyload(User.role_rows),
    )
    .where(Case.id == bindparam("case_id", type_=Integer))
)


def case_for(actor: User, case_id: int) -> Case:
    """The case if ``actor`` may read it, else 404 (existence is not confirmed)."""
    case = db.session.execute(_CASE, {"case_id": case_id}).unique().scalar_one_or_none()
    if case is None or not may_read_case(actor, case) or not may_open_case(actor, case):
        abort(404)
    return case


def case_to_change(actor: User, case_id: int) -> Case:
    """The case if ``actor`` may change it; 404 when they may not even read it, 403 when they
    may read but not change it (another agent's case they opened)."""
    case = case_for(actor, case_id)
    if not may_change_case(actor, case):
        abort(403)
    return case
