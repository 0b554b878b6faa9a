"""Read-only queries: case queues with their SLA state, and the counts in the navigation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from crm.auth.models import User
from crm.cases.calendar import business_hours
from crm.cases.models import OPEN_STATUSES, Case, CaseEvent
from crm.cases.services import SlaState, sla_state
from crm.extensions import db

QUEUE_LIMIT = 200


def _open() -> list:
    return [Case.status.in_([s.value for s in OPEN_STATUSES])]


def my_open_cases(user: User, now: datetime) -> list[tuple[Case, SlaState]]:
    """The user's open cases, least time left first."""
    cases = db.session.scalars(
        select(Case).where(Case.assignee_id == user.id, *_open()).order_by(Case.resolution_due_at)
    ).all()
    calendar = business_hours()
    return [(case, sla_state(case, now, calendar=calendar)) for case in cases]


def team_queue(now: datetime, *, state: str, department: str | None) -> list[tuple[Case, SlaState]]:
    """Open cases of everyone (or of one department), least time left first; ``state`` keeps
    only "breached" or "at_risk" ones, or "unassigned" ones."""
    query = select(Case).where(*_open())
    if department:
        query = query.where(Case.department == department)
    if state == "unassigned":
        query = query.where(Case.assignee_id.is_(None))
    cases = db.session.scalars(query.order_by(Case.resolution_due_at).limit(QUEUE_LIMIT)).all()
    calendar = business_hours()
    rows = [(case, sla_state(case, now, calendar=calendar)) for case in cases]
    if state == "breached":
        rows = [(c, s) for c, s in rows if s.breached or c.response_breached]
    elif state == "at_risk":
        rows = [(c, s) for c, s in rows if s.at_risk]
    return rows


def my_open_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Case).where(Case.assignee_id == user.id, *_open())
    )


def breached_open_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(*_open(), (Case.resolution_breached | Case.response_breached))
    )


def events(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )
