"""Whom a supervisor organises: the departments they may manage and the people of each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.cases.models import Department
from crm.cases.routing_models import DepartmentAgent
from crm.extensions import db
from crm.teams.models import Team, TeamMember
from crm.teams.services import may_manage_team, teams_in


def managed_departments(actor: User) -> list[str]:
    """Departments where ``actor`` manages teams or the roster (in the enum's order)."""
    led = set(db.session.scalars(select(Team.department).where(Team.leader_id == actor.id)))
    return [d.value for d in Department if d.value in led or may_manage_team(actor, d.value)]


@dataclass(frozen=True)
class Group:
    #: None: the department's agents who are in no team
    team: Team | None
    people: list[User]


def department_groups(actor: User, department: str) -> list[Group]:
    """The department's teams the actor manages, each with its members by name, then (if
    the actor manages the whole department) its agents in no team."""
    groups = []
    for team in teams_in([department]):
        if may_manage_team(actor, department, team):
            people = sorted((m.user for m in team.members), key=lambda u: (u.display_name, u.id))
            groups.append(Group(team, [u for u in people if u.active]))
    if may_manage_team(actor, department):
        in_teams = select(TeamMember.user_id)
        loose = db.session.scalars(
            select(User)
            .join(DepartmentAgent, DepartmentAgent.user_id == User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                DepartmentAgent.department == department,
                User.active.is_(True),
                UserRole.role == Role.AGENT.value,
                User.id.not_in(in_teams),
            )
            .order_by(User.display_name, User.id)
        ).all()
        if loose:
            groups.append(Group(None, list(loose)))
    return groups


def agent_choices() -> list[tuple[int, str]]:
    """Active agents as (id, name), by name, for a team's member list."""
    return list(
        db.session.execute(
            select(User.id, User.display_name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role == Role.AGENT.value)
            .order_by(User.display_name, User.id)
        ).all()
    )
