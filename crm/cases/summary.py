"""The customer's open cases with their SLA countdown, for the customer's summary card."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import lazyload

from crm.access import may_read_case
from crm.auth.models import User
from crm.cases.calendar import business_hours
from crm.cases.models import OPEN_STATUSES, Case
from crm.cases.sla import SlaState, sla_state
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db

#: open cases the card lists; the rest are counted
SHOWN = 3


@dataclass(frozen=True)
class OpenCase:
    case: Case
    sla: SlaState
    #: whether the viewer may open the case (the card names every case, as the history does)
    readable: bool


@dataclass(frozen=True)
class OpenCases:
    items: list[OpenCase]
    total: int


@cache
def _open_statement() -> Select:
    """The customer's first open cases, each row with the count of all of them: one statement,
    built once (every customer page runs it). The card shows no one's name, so neither the
    customer (the page's own) nor the assignee is loaded."""
    return (
        select(Case, func.count().over())
        .where(
            Case.customer_id == bindparam("customer_id", type_=Integer),
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .options(lazyload(Case.customer), lazyload(Case.assignee))
        .order_by(Case.resolution_due_at, Case.id)
        .limit(SHOWN)
    )


def open_cases(customer: Customer, viewer: User) -> OpenCases:
    """The customer's open cases, the one due first first."""
    rows = db.session.execute(_open_statement(), {"customer_id": customer.id}).all()
    cases = [case for case, _total in rows]
    total = rows[0][1] if rows else 0
    now = utcnow()
    calendar = business_hours() if any(case.business_hours for case in cases) else None
    return OpenCases(
        [
            OpenCase(case, sla_state(case, now, calendar=calendar), may_read_case(viewer, case))
            for case in cases
        ],
        total,
    )
