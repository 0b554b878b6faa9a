"""Handing new cases out: each arrival goes to its department's queue and, by the department's
setting, to the next agent in turn or to the agent with the least open work."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.cases.models import OPEN_STATUSES, Case
from crm.cases.routing_models import DepartmentAgent, DepartmentRouting, RoutingMode
from crm.extensions import db


def department_agents(department: str) -> list[int]:
    """Ids of the active agents who work ``department``'s queue, in id order."""
    return list(
        db.session.scalars(
            select(DepartmentAgent.user_id)
            .join(User, User.id == DepartmentAgent.user_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                DepartmentAgent.department == department,
                User.active.is_(True),
                UserRole.role == Role.AGENT.value,
            )
            .order_by(DepartmentAgent.user_id)
            .distinct()
        )
    )


def _setting_for_update(department: str) -> DepartmentRouting:
    """The department's setting, locked until commit so that two arrivals routed at once by two
    processes take turns (SQLite serialises writers anyway)."""
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        module.insert(DepartmentRouting)
        .values(department=department, mode=RoutingMode.ROUND_ROBIN.value)
        .on_conflict_do_nothing()
    )
    query = select(DepartmentRouting).where(DepartmentRouting.department == department)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _least_open(agent_ids: list[int]) -> int:
    open_counts = dict(
        db.session.execute(
            select(Case.assignee_id, func.count())
            .where(
                Case.assignee_id.in_(agent_ids),
                Case.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .group_by(Case.assignee_id)
        ).all()
    )
    return min(agent_ids, key=lambda agent_id: (open_counts.get(agent_id, 0), agent_id))


def _next_in_turn(agent_ids: list[int], last: int | None) -> int:
    later = [agent_id for agent_id in agent_ids if last is None or agent_id > last]
    return later[0] if later else agent_ids[0]


def pick_assignee(department: str) -> int | None:
    """The agent the department's next new case goes to, recorded as the last one given a
    case; None when the department routes by hand or nobody works its queue."""
    setting = _setting_for_update(department)
    agent_ids = department_agents(department)
    if setting.mode == RoutingMode.MANUAL.value or not agent_ids:
        return None
    if setting.mode == RoutingMode.LEAST_OPEN.value:
        chosen = _least_open(agent_ids)
    else:
        chosen = _next_in_turn(agent_ids, setting.last_assignee_id)
    setting.last_assignee_id = chosen
    db.session.flush()
    return chosen
