"""Read-only queries: the agent's worklist, the supervisors' board, completion figures."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, select

from crm.auth.models import User
from crm.callbacks.models import CallbackTask, TaskStatus
from crm.extensions import db
from crm.pagination import Page, paginate

UPCOMING_DAYS = 14
#: statuses that count in completion rates; cancelled and rescheduled tasks are replaced
COUNTED = (
    TaskStatus.DUE.value,
    TaskStatus.DONE.value,
    TaskStatus.MISSED.value,
    TaskStatus.SKIPPED.value,
)


@dataclass
class Worklist:
    overdue: list[CallbackTask]
    today: list[CallbackTask]
    upcoming: list[CallbackTask]


def worklist(agent: User, today: date) -> Worklist:
    """The agent's open callbacks: overdue, due today, and the next two weeks."""
    tasks = db.session.scalars(
        select(CallbackTask)
        .where(
            CallbackTask.assignee_id == agent.id,
            CallbackTask.status == TaskStatus.DUE.value,
            CallbackTask.due_date <= today + timedelta(days=UPCOMING_DAYS),
        )
        .order_by(CallbackTask.due_date, CallbackTask.id)
    ).all()
    return Worklist(
        overdue=[t for t in tasks if t.due_date < today],
        today=[t for t in tasks if t.due_date == today],
        upcoming=[t for t in tasks if t.due_date > today],
    )


def month_bounds(month: date) -> tuple[date, date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def board_query(*, month: date, agent_id: int | None, status: str | None) -> Select:
    first, last = month_bounds(month)
    query = select(CallbackTask).where(CallbackTask.due_date.between(first, last))
    if agent_id:
        query = query.where(CallbackTask.assignee_id == agent_id)
    if status:
        query = query.where(CallbackTask.status == status)
    return query


def board(
    *, month: date, agent_id: int | None, status: str | None, page: int
) -> Page[CallbackTask]:
    query = board_query(month=month, agent_id=agent_id, status=status).order_by(
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


def calendar_counts(*, month: date, agent_id: int | None) -> dict[date, dict[str, int]]:
    """Per day of the month: how many callbacks are in each status."""
    first, last = month_bounds(month)
    query = (
        select(CallbackTask.due_date, CallbackTask.status, func.count())
        .where(CallbackTask.due_date.between(first, last))
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


def agent_figures(*, month: date, today: date) -> list[AgentFigures]:
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
        .where(CallbackTask.due_date.between(first, last), CallbackTask.status.in_(COUNTED))
        .group_by(User.id)
        .order_by(User.display_name)
    ).all()
    return [
        AgentFigures(user, planned, done or 0, overdue or 0)
        for user, planned, done, overdue in rows
    ]
