"""Who is on duty now: the wallboard's list for a supervisor's scope, and the staff-shortage
plan's list of people who could be called in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, union

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.cases.models import Department
from crm.cases.routing_models import DepartmentAgent
from crm.extensions import db
from crm.teams.models import RosterEntry, Team, TeamMember
from crm.teams.roster import off_duty, today_shifts
from crm.teams.scope import DEPARTMENT, Scope

#: people listed on the wallboard per column (the roster page has everyone)
BOARD_ROWS = 30


@dataclass(frozen=True)
class Person:
    user: User
    #: today's roster row; None: no roster today (counted on duty)
    shift: RosterEntry | None


@dataclass(frozen=True)
class DutyBoard:
    on: list[Person] = field(default_factory=list)
    off: list[Person] = field(default_factory=list)


def department_people() -> dict[str, set[int]]:
    """Department -> its active agents: those who work its queue and those in its teams."""
    rows = db.session.execute(
        union(
            select(DepartmentAgent.department, DepartmentAgent.user_id),
            select(Team.department, TeamMember.user_id).join(
                TeamMember, TeamMember.team_id == Team.id
            ),
        )
    ).all()
    agents = set(
        db.session.scalars(
            select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == Role.AGENT.value, User.active.is_(True))
        )
    )
    people: dict[str, set[int]] = {d.value: set() for d in Department}
    for department, user_id in rows:
        if user_id in agents:
            people[department].add(user_id)
    return people


def _scope_people(scope: Scope) -> set[int]:
    by_department = department_people()
    if not scope.narrowed:
        return set().union(*by_department.values())
    if scope.kind == DEPARTMENT:
        return set().union(*(by_department[d] for d in scope.departments)) | (
            scope.people & set().union(*by_department.values())
        )
    return scope.people & set().union(*by_department.values())


def _persons(user_ids: set[int], now: datetime) -> list[Person]:
    users = db.session.scalars(
        select(User).where(User.id.in_(user_ids)).order_by(User.display_name, User.id)
    ).all()
    shifts = today_shifts(user_ids, now)
    return [Person(user, shifts.get(user.id)) for user in users]


def on_duty_board(_actor: User, scope: Scope, now: datetime) -> DutyBoard:
    """The people in ``scope`` split into on duty now and off duty now."""
    people = _scope_people(scope)
    away = off_duty(people, now)
    return DutyBoard(_persons(people - away, now)[:BOARD_ROWS], _persons(away, now)[:BOARD_ROWS])


def call_in_list(now: datetime) -> dict[str, list[Person]]:
    """Per department, the agents not on duty now (a day off or another shift): whom the
    staff-shortage plan can call in. Departments with nobody to call are left out."""
    listed = {}
    for department, people in department_people().items():
        away = off_duty(people, now)
        if away:
            listed[department] = _persons(away, now)
    return listed
