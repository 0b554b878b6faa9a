"""Handing new cases out: each arrival goes to its department's queue and, by the department's
setting, to the next agent in turn or to the agent with the least open work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.permissions import Permission, Role
from crm.cases.models import OPEN_STATUSES, Case, Department
from crm.cases.routing_models import DepartmentAgent, DepartmentRouting, RoutingMode
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.teams.roster import off_duty


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


def pick_assignee(department: str, now: datetime | None = None) -> int | None:
    """The agent the department's next new case goes to, recorded as the last one given a
    case; None when the department routes by hand or nobody works its queue.

    Agents the duty roster has off duty at ``now`` are skipped (someone without a roster
    for today counts as on duty); when all are off, the case waits in the queue.
    """
    setting = _setting_for_update(department)
    agent_ids = department_agents(department)
    away = off_duty(agent_ids, now or utcnow())
    agent_ids = [agent_id for agent_id in agent_ids if agent_id not in away]
    if setting.mode == RoutingMode.MANUAL.value or not agent_ids:
        return None
    if setting.mode == RoutingMode.LEAST_OPEN.value:
        chosen = _least_open(agent_ids)
    else:
        chosen = _next_in_turn(agent_ids, setting.last_assignee_id)
    setting.last_assignee_id = chosen
    db.session.flush()
    return chosen


def routing_settings() -> dict[str, tuple[str, list[int]]]:
    """Each department's mode and agents, for the settings page."""
    modes = dict(
        db.session.execute(select(DepartmentRouting.department, DepartmentRouting.mode)).all()
    )
    members: dict[str, list[int]] = {d.value: [] for d in Department}
    for department, user_id in db.session.execute(
        select(DepartmentAgent.department, DepartmentAgent.user_id)
    ):
        members[department].append(user_id)
    return {
        d.value: (modes.get(d.value, RoutingMode.ROUND_ROBIN.value), members[d.value])
        for d in Department
    }


def set_routing(*, actor: User, department: str, mode: str, agent_ids: set[int]) -> None:
    """Set how ``department``'s new cases are handed out, and among whom.

    :raises DomainError: for an unknown department or mode, or someone who is not an agent.
    """
    if not actor.can(Permission.CASES_SUPERVISE):
        raise PermissionDenied(_l("Only supervisors set how cases are routed."))
    if department not in {d.value for d in Department}:
        raise DomainError(_l("Choose a department from the list."))
    if mode not in {m.value for m in RoutingMode}:
        raise DomainError(_l("Choose how new cases are handed out."), field="mode")
    agents = set(
        db.session.scalars(
            select(UserRole.user_id).where(
                UserRole.user_id.in_(agent_ids), UserRole.role == Role.AGENT.value
            )
        )
    )
    if agents != agent_ids:
        raise DomainError(_l("Only agents can be given cases."))
    old_mode, old_agents = routing_settings()[department]
    setting = _setting_for_update(department)
    setting.mode = mode
    db.session.execute(delete(DepartmentAgent).where(DepartmentAgent.department == department))
    db.session.add_all(DepartmentAgent(department=department, user_id=i) for i in sorted(agents))
    db.session.flush()
    changes: dict[str, list] = {}
    if old_mode != mode:
        changes["mode"] = [old_mode, mode]
    if sorted(old_agents) != sorted(agents):
        changes["agents"] = [sorted(old_agents), sorted(agents)]
    if changes:
        record(
            action=AuditAction.ROUTING_CHANGED,
            actor=actor,
            object_type="department",
            object_id=department,
            details=changes,
        )
