"""Team scoping, written once: which cases and callbacks a supervisor sees by default (their
own teams) and when they may widen that to their whole department.

The queue, the callback board and the wallboard on the web, and the API's lists, all ask
``scope_for``; opening a case by URL asks ``may_open_case``. A supervisor who leads no team
keeps the view they had before teams existed (everything), so a department that does not use
teams notices nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, false, literal, or_, select, true

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.cases.models import Case, DepartmentSupervisor
from crm.extensions import db
from crm.teams.models import Team, TeamMember, TeamScopeChoice

TEAM = "team"
DEPARTMENT = "department"


@dataclass(frozen=True)
class Scope:
    #: TEAM, DEPARTMENT, or "" for a user who leads no team (no narrowing at all)
    kind: str
    #: the teams the user leads
    team_ids: frozenset[int]
    #: the leaders and members of those teams
    people: frozenset[int]
    #: departments of those teams
    team_departments: frozenset[str]
    #: departments whose whole queue the user may see (the switch)
    departments: frozenset[str]

    @property
    def narrowed(self) -> bool:
        return bool(self.kind)

    @property
    def may_switch(self) -> bool:
        return bool(self.departments)


def led_teams(user: User) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.leader_id == user.id).order_by(Team.id)))


def _people(team_ids: set[int], leaders: set[int]) -> set[int]:
    members = set(
        db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id.in_(team_ids)))
    )
    return members | leaders


def department_visible(user: User, department: str) -> bool:
    """The department rule: administrators see every department; a supervisor sees a
    department they are named for, or one with nobody named (then every supervisor hears of
    its cases, ``cases.supervisors.supervisors_of``)."""
    if user.can(Permission.USERS_MANAGE):
        return True
    if not user.can(Permission.CASES_SUPERVISE):
        return False
    named = set(
        db.session.scalars(
            select(DepartmentSupervisor.user_id).where(
                DepartmentSupervisor.department == department
            )
        )
    )
    return not named or user.id in named


def _wants_department(user: User) -> bool:
    choice = db.session.get(TeamScopeChoice, user.id)
    return bool(choice and choice.whole_department)


def scope_for(user: User, requested: str | None = None) -> Scope:
    """What ``user`` sees: ``requested`` (TEAM or DEPARTMENT, e.g. the API's parameter) or
    else their kept choice; DEPARTMENT falls back to TEAM where the role does not allow it."""
    # Agents are never narrowed by teams (their own rules apply), and they open cases all
    # day: no query for them.
    teams = led_teams(user) if user.can(Permission.CASES_SUPERVISE) else []
    if not teams:
        return Scope("", frozenset(), frozenset(), frozenset(), frozenset())
    team_departments = {team.department for team in teams}
    departments = {d for d in team_departments if department_visible(user, d)}
    wanted = requested if requested in (TEAM, DEPARTMENT) else None
    if wanted is None:
        wanted = DEPARTMENT if _wants_department(user) else TEAM
    kind = DEPARTMENT if wanted == DEPARTMENT and departments else TEAM
    return Scope(
        kind,
        frozenset(team.id for team in teams),
        frozenset(_people({t.id for t in teams}, {t.leader_id for t in teams})),
        frozenset(team_departments),
        frozenset(departments),
    )


def choose_scope(*, actor: User, kind: str) -> Scope:
    """Keep ``actor``'s choice (TEAM or DEPARTMENT) for the next pages and API calls; a
    choice the role does not allow is kept as TEAM."""
    scope = scope_for(actor, kind)
    choice = db.session.get(TeamScopeChoice, actor.id)
    if choice is None:
        choice = TeamScopeChoice(user_id=actor.id)
        db.session.add(choice)
    choice.whole_department = scope.kind == DEPARTMENT
    db.session.flush()
    return scope


def case_filter(scope: Scope) -> ColumnElement[bool]:
    """The cases in ``scope``: the team's people's cases and the unclaimed ones of the team's
    departments; with the switch, every case of the departments the user may see."""
    if not scope.narrowed:
        return true()
    if scope.kind == DEPARTMENT:
        return Case.department.in_(scope.departments)
    return or_(
        Case.assignee_id.in_(scope.people),
        and_(Case.assignee_id.is_(None), Case.department.in_(scope.team_departments)),
    )


def people_filter(scope: Scope, column: ColumnElement[int]) -> ColumnElement[bool]:
    """Rows whose person (``column``, e.g. a callback's assignee) is in ``scope``: the team's
    people, or with the switch, everyone in a team of those departments."""
    if not scope.narrowed:
        return true()
    if scope.kind == DEPARTMENT:
        in_departments = (
            select(TeamMember.user_id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.department.in_(scope.departments))
        )
        return or_(column.in_(in_departments), column.in_(scope.people))
    return column.in_(scope.people) if scope.people else false()


def may_open_case(user: User, case: Case) -> bool:
    """Opening a case by its URL follows what the user *may* see, not the view they chose: a
    team leader reads their teams' cases, every case of a department the department rule
    lets them see, and cases they hold or opened. Users who lead no team are not narrowed."""
    scope = scope_for(user, DEPARTMENT)
    if not scope.narrowed or case.department in scope.departments:
        return True
    if user.id in (case.assignee_id, case.opened_by_id):
        return True
    if case.assignee_id is None:
        return case.department in scope.team_departments
    return case.assignee_id in scope.people


def may_see_person(user: User, person_id: int | None) -> bool:
    """Whether ``person_id`` (e.g. a callback's assignee) is among the people ``user`` may act
    for: the same rule as reassigning on the board (team, or the departments they supervise)."""
    if person_id == user.id:
        return True
    scope = scope_for(user, DEPARTMENT)
    if not scope.narrowed:
        return True
    return bool(db.session.scalar(select(people_filter(scope, literal(person_id, Integer)))))
