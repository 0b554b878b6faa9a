"""Read-only queries: the agent's worklist, the supervisors' board, completion figures."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.orm import defaultload, lazyload

from crm.auth.models import User
from crm.callbacks.models import CallbackPlan, CallbackTask, TaskStatus
from crm.customers.models import Customer
from crm.extensions import db
from crm.pagination import Page, after_position, keyset_position, paginate
from crm.teams.scope import Scope, people_filter
from crm.timezones import parse_day

UPCOMING_DAYS = 14
#: statuses that count in completion rates; cancelled and rescheduled tasks are replaced
COUNTED = (
    TaskStatus.DUE.value,
    TaskStatus.DONE.value,
    TaskStatus.MISSED.value,
    TaskStatus.SKIPPED.value,
)


#: tasks shown per section of the worklist before "More"
WORKLIST_PAGE = 20
SECTIONS = ("overdue", "today", "upcoming")
#: a task in the worklist shows its customer's name, tier, phone and last contact, and its
#: plan's purpose and script: not the customer's owner, nor the users of the plan and task
_WORKLIST_ROW = (
    defaultload(CallbackTask.customer).lazyload(Customer.owner),
    defaultload(CallbackTask.customer).joinedload(Customer.phones),
    defaultload(CallbackTask.plan).lazyload(CallbackPlan.customer),
    defaultload(CallbackTask.plan).lazyload(CallbackPlan.assignee),
    lazyload(CallbackTask.assignee),
)


@dataclass(frozen=True)
class Section:
    tasks: list[CallbackTask]
    #: where the next page starts ("due date|task id"); None when no more tasks
    next_after: str | None


@dataclass(frozen=True)
class Worklist:
    overdue: Section
    today: Section
    upcoming: Section
    #: open tasks in each section, counting those not shown yet
    totals: dict[str, int]


def _in_section(section: str, today: date) -> ColumnElement[bool]:
    if section == "overdue":
        return CallbackTask.due_date < today
    if section == "today":
        return CallbackTask.due_date == today
    return and_(
        CallbackTask.due_date > today,
        CallbackTask.due_date <= today + timedelta(days=UPCOMING_DAYS),
    )


def worklist(agent: User, today: date) -> Worklist:
    """The agent's open callbacks: overdue, due today and the next two weeks, each section's
    first page and how many each holds."""
    open_tasks = (CallbackTask.assignee_id == agent.id, CallbackTask.status == TaskStatus.DUE.value)
    counts = db.session.execute(
        select(*(func.count().filter(_in_section(section, today)) for section in SECTIONS)).where(
            *open_tasks, CallbackTask.due_date <= today + timedelta(days=UPCOMING_DAYS)
        )
    ).one()
    return Worklist(
        *(worklist_section(agent, today, section) for section in SECTIONS),
        totals=dict(zip(SECTIONS, counts, strict=True)),
    )


def worklist_section(
    agent: User, today: date, section: str, *, after: str | None = None
) -> Section:
    """One page of a section of the agent's worklist, by due date, after the keyset ``after``
    (as ``Section.next_after`` gives it)."""
    query = select(CallbackTask).where(
        CallbackTask.assignee_id == agent.id,
        CallbackTask.status == TaskStatus.DUE.value,
        _in_section(section, today),
    )
    position = keyset_position(after, parse_day)
    if position is not None:
        query = query.where(after_position(CallbackTask.due_date, CallbackTask.id, position))
    tasks = list(
        db.session.scalars(
            query.options(*_WORKLIST_ROW)
            .order_by(CallbackTask.due_date, CallbackTask.id)
            .limit(WORKLIST_PAGE + 1)
        ).unique()
    )
    if len(tasks) <= WORKLIST_PAGE:
        return Section(tasks, None)
    last = tasks[WORKLIST_PAGE - 1]
    return Section(tasks[:WORKLIST_PAGE], f"{last.due_date.isoformat()}|{last.id}")


def month_bounds(month: date) -> tuple[date, date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def board_query(
    *, month: date, agent_id: int | None, status: str | None, scope: Scope | None = None
) -> Select:
    first, last = month_bounds(month)
    query = select(CallbackTask).where(CallbackTask.due_date.between(first, last))
    if scope is not None:
        query = query.where(people_filter(scope, CallbackTask.assignee_id))
    if agent_id:
        query = query.where(CallbackTask.assignee_id == agent_id)
    if status:
        query = query.where(CallbackTask.status == status)
    return query


def board(
    *, month: date, agent_id: int | None, status: str | None, page: int, scope: Scope | None = None
) -> Page[CallbackTask]:
    query = board_query(month=month, agent_id=agent_id, status=status, scope=scope).order_by(
        CallbackTask.due_date, CallbackTask.id
    )
    filters = {
        "month": month.strftime("%Y-%m"),
        "agent": str(agent_id or ""),
        "status": status or "",
    }
    return paginate(
        query, page=page, sort="due_date", filters={k: v for k, v in filters.items() if v}
    )


def calendar_counts(
    *, month: date, agent_id: int | None, scope: Scope | None = None
) -> dict[date, dict[str, int]]:
    """Per day of the month: how many callbacks are in each status."""
    first, last = month_bounds(month)
    query = (
        select(CallbackTask.due_date, CallbackTask.status, func.count())
        .where(
            CallbackTask.due_date.between(first, last),
            true() if scope is None else people_filter(scope, CallbackTask.assignee_id),
        )
        .group_by(CallbackTask.due_date, CallbackTask.status)
    )
    if agent_id:
        query = query.where(CallbackTask.assignee_id == agent_id)
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for day, status, count in db.session.execute(query):
        counts[day][status] = count
    return counts


@dataclass(frozen=True)
class AgentFigures:
    agent: User
    planned: int
    done: int
    overdue: int

    @property
    def completion_rate(self) -> float | None:
        """Done / planned (due, done, not reached, skipped) in the month; None without any."""
        return self.done / self.planned if self.planned else None


def agent_figures(*, month: date, today: date, scope: Scope | None = None) -> list[AgentFigures]:
    """Completion and overdue counts per agent for the callbacks due in ``month``."""
    first, last = month_bounds(month)
    rows = db.session.execute(
        select(
            User,
            func.count(CallbackTask.id),
            func.sum(case((CallbackTask.status == TaskStatus.DONE.value, 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            CallbackTask.status == TaskStatus.DUE.value,
                            CallbackTask.due_date < today,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .join(CallbackTask, CallbackTask.assignee_id == User.id)
        .where(
            CallbackTask.due_date.between(first, last),
            CallbackTask.status.in_(COUNTED),
            true() if scope is None else people_filter(scope, CallbackTask.assignee_id),
        )
        .group_by(User.id)
        .order_by(User.display_name)
    ).all()
    return [
        AgentFigures(user, planned, done or 0, overdue or 0)
        for user, planned, done, overdue in rows
    ]


@dataclass(frozen=True)
class DueNow:
    """The agent's open callbacks due today or earlier, the most overdue first."""

    tasks: list[CallbackTask]
    overdue: int
    today: int


def due_now(agent: User, today: date, limit: int) -> DueNow:
    """At most ``limit`` of the agent's callbacks due by ``today``, and how many are overdue
    and due today (the home's agent section)."""
    mine = (CallbackTask.assignee_id == agent.id, CallbackTask.status == TaskStatus.DUE.value)
    overdue, due_today = db.session.execute(
        select(
            func.count().filter(CallbackTask.due_date < today),
            func.count().filter(CallbackTask.due_date == today),
        ).where(*mine, CallbackTask.due_date <= today)
    ).one()
    tasks = db.session.scalars(
        select(CallbackTask)
        .where(*mine, CallbackTask.due_date <= today)
        .options(*_WORKLIST_ROW)
        .order_by(CallbackTask.due_date, CallbackTask.id)
        .limit(limit)
    ).unique()
    return DueNow(list(tasks), overdue, due_today)


@dataclass(frozen=True)
class DayProgress:
    agent: User
    done: int
    #: the day's callbacks that count (due, done, not reached, skipped)
    total: int


def progress_on(day: date, scope: Scope | None = None) -> list[DayProgress]:
    """Per agent (in ``scope``), the callbacks due on ``day`` and how many are done (the
    supervisors' home)."""
    rows = db.session.execute(
        select(
            User,
            func.count(CallbackTask.id),
            func.count().filter(CallbackTask.status == TaskStatus.DONE.value),
        )
        .join(CallbackTask, CallbackTask.assignee_id == User.id)
        .where(
            CallbackTask.due_date == day,
            CallbackTask.status.in_(COUNTED),
            true() if scope is None else people_filter(scope, CallbackTask.assignee_id),
        )
        .group_by(User.id)
        .order_by(User.display_name)
    ).all()
    return [DayProgress(user, done, total) for user, total, done in rows]


def without_active_agent(until: date, limit: int) -> tuple[list[CallbackTask], int]:
    """Open callbacks due by ``until`` whose agent is deactivated, so nobody will call (a
    task always has an assignee: "unassigned" work is this), the earliest first, and how
    many there are."""
    orphaned = (
        CallbackTask.status == TaskStatus.DUE.value,
        CallbackTask.due_date <= until,
        CallbackTask.assignee_id.in_(select(User.id).where(User.active.is_(False))),
    )
    count = db.session.scalar(select(func.count()).select_from(CallbackTask).where(*orphaned))
    tasks = db.session.scalars(
        select(CallbackTask)
        .where(*orphaned)
        .order_by(CallbackTask.due_date, CallbackTask.id)
        .limit(limit)
    ).unique()
    return list(tasks), count or 0
