"""Read-only queries: case queues with their SLA state, and the counts in the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    bindparam,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import defaultload

from crm.auth.models import User
from crm.auth.queries import users_shown_by_name
from crm.cases.calendar import business_hours
from crm.cases.models import OPEN_CASE_SQL, OPEN_STATUSES, Case, CaseEvent
from crm.cases.sla import SlaState, sla_state
from crm.customers.models import Customer
from crm.database import UTCDateTime
from crm.extensions import db
from crm.pagination import after_position, keyset_position

#: cases per page of the team queue
QUEUE_PAGE = 50
#: the queue shows the customer's name: not the rest of the profile, their phones or owner
_QUEUE_ROW = (
    *users_shown_by_name(Case),
    defaultload(Case.customer).load_only(Customer.name),
    defaultload(Case.customer).lazyload(Customer.phones),
    defaultload(Case.customer).lazyload(Customer.owner),
)


def _open() -> list:
    return [Case.status.in_([s.value for s in OPEN_STATUSES])]


def my_open_cases(user: User, now: datetime) -> list[tuple[Case, SlaState]]:
    """The user's open cases, least time left first."""
    cases = db.session.scalars(
        select(Case).where(Case.assignee_id == user.id, *_open()).order_by(Case.resolution_due_at)
    ).all()
    calendar = business_hours()
    return [(case, sla_state(case, now, calendar=calendar)) for case in cases]


@dataclass(frozen=True)
class QueuePage:
    rows: list[tuple[Case, SlaState]]
    #: where the next page starts ("due time|case id"); None on the last page
    next_after: str | None


def _aware(text_value: str) -> datetime:
    moment = datetime.fromisoformat(text_value)
    if moment.tzinfo is None:
        raise ValueError("a queue position is an aware time")
    return moment


def team_queue(
    now: datetime,
    *,
    state: str,
    department: str | None,
    after: str | None = None,
    size: int = QUEUE_PAGE,
    scope: ColumnElement[bool] | None = None,
) -> QueuePage:
    """One page of everyone's (or one department's) open cases, least time left first, paged
    by keyset after ``after``; ``state`` keeps only "breached", "at_risk" or "unassigned" ones.

    The SQL narrows breached and at-risk cases to a superset; the SLA clock (business hours,
    pauses) then decides each one, reading on until the page is full. ``scope`` narrows it to
    the cases a supervisor's team scope holds (``crm.teams.scope.case_filter``).
    """
    query = select(Case).where(text(OPEN_CASE_SQL)).options(*_QUEUE_ROW)
    if scope is not None:
        query = query.where(scope)
    if department:
        query = query.where(Case.department == department)
    if state == "unassigned":
        query = query.where(Case.assignee_id.is_(None))
    elif state == "breached":
        reference = func.coalesce(
            Case.resolved_at, Case.paused_since, bindparam("now", now, type_=UTCDateTime)
        )
        query = query.where(
            or_(
                Case.resolution_breached, Case.response_breached, reference > Case.resolution_due_at
            )
        )
    elif state == "at_risk":
        query = query.where(Case.resolution_breached.is_(False))
    query = query.order_by(Case.resolution_due_at, Case.id).limit(size + 1)
    calendar = business_hours()
    rows: list[tuple[Case, SlaState]] = []
    position = keyset_position(after, _aware)
    while True:
        chunk = query
        if position is not None:
            chunk = query.where(after_position(Case.resolution_due_at, Case.id, position))
        cases = db.session.scalars(chunk).all()
        for case in cases:
            sla = sla_state(case, now, calendar=calendar)
            if _in_state(state, case, sla):
                rows.append((case, sla))
        if len(rows) > size or len(cases) <= size:
            break
        position = cases[-1].resolution_due_at, cases[-1].id
    if len(rows) <= size:
        return QueuePage(rows, None)
    last = rows[size - 1][0]
    return QueuePage(rows[:size], f"{last.resolution_due_at.isoformat()}|{last.id}")


def _in_state(state: str, case: Case, sla: SlaState) -> bool:
    if state == "breached":
        return sla.breached or case.response_breached
    if state == "at_risk":
        return sla.at_risk
    return True


def my_open_count(user_id: int | BindParameter[int]) -> ScalarSelect[int]:
    """The count of the user's open cases (the "My cases" badge), as a subquery: the
    navigation reads all its counts in one statement."""
    return (
        select(func.count())
        .select_from(Case)
        .where(Case.assignee_id == user_id, *_open())
        .scalar_subquery()
    )


def breached_open_count() -> ScalarSelect[int]:
    """The count of open cases past a time limit (the "Case queue" badge), as a subquery."""
    return (
        select(func.count())
        .select_from(Case)
        .where(*_open(), (Case.resolution_breached | Case.response_breached))
        .scalar_subquery()
    )


def events(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def unassigned_open_count(scope: ColumnElement[bool] | None = None) -> int:
    """Open cases nobody holds (the supervisors' home), in ``scope`` if given."""
    query = (
        select(func.count())
        .select_from(Case)
        .where(*_open(), Case.assignee_id.is_(None), true() if scope is None else scope)
    )
    return db.session.scalar(query) or 0
