"""The customer's open cases with their SLA countdown, for the customer's summary card."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
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


def open_cases(customer: Customer, viewer: User) -> OpenCases:
    """The customer's open cases, the one due first first."""
    open_here = (Case.customer_id == customer.id, Case.status.in_([s.value for s in OPEN_STATUSES]))
    total = db.session.scalar(select(func.count()).select_from(Case).where(*open_here)) or 0
    cases = (
        db.session.scalars(
            select(Case)
            .where(*open_here)
            .options(lazyload(Case.customer))
            .order_by(Case.resolution_due_at, Case.id)
            .limit(SHOWN)
        ).all()
        if total
        else []
    )
    now = utcnow()
    calendar = business_hours() if any(case.business_hours for case in cases) else None
    return OpenCases(
        [
            OpenCase(case, sla_state(case, now, calendar=calendar), may_read_case(viewer, case))
            for case in cases
        ],
        total,
    )
