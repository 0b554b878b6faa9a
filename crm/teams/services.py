"""Creating teams, naming their leader and members, and removing them: every change audited."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.permissions import Permission, Role
from crm.cases.models import Department
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.teams.models import Team, TeamMember
from crm.teams.scope import department_visible

#: longest team name (the column's width)
NAME_LENGTH = 60
#: the largest QA sample quota per member (the column's CHECK)
MAX_QA_QUOTA = 1000


def may_manage_team(actor: User, department: str, team: Team | None = None) -> bool:
    """Administrators manage every team; a supervisor manages the teams of a department the
    department rule lets them see, and the teams they lead."""
    if not actor.can(Permission.CASES_SUPERVISE):
        return False
    if team is not None and team.leader_id == actor.id:
        return True
    return department_visible(actor, department)


def _check(actor: User, department: str, team: Team | None = None) -> None:
    if not may_manage_team(actor, department, team):
        raise PermissionDenied(_l("You may not change this department's teams."))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Give the team a name."), field="name")
    if len(name) > NAME_LENGTH:
        raise DomainError(_l("Keep the name to %(num)d characters.", num=NAME_LENGTH), field="name")
    return name


def _check_leader(leader: User | None) -> User:
    if leader is None or not leader.active or not leader.can(Permission.CASES_SUPERVISE):
        raise DomainError(_l("Choose an active supervisor as the leader."), field="leader_id")
    return leader


def _check_name_free(department: str, name: str, team_id: int | None) -> None:
    clash = db.session.scalar(
        select(Team.id).where(Team.department == department, Team.name == name)
    )
    if clash is not None and clash != team_id:
        raise DomainError(_l("This department already has a team of that name."), field="name")


def create_team(*, actor: User, department: str, name: str, leader: User | None) -> Team:
    """A new team without members.

    :raises DomainError: for an unknown department, an empty or taken name, a leader who is
        not an active supervisor; PermissionDenied outside the actor's departments.
    """
    if department not in {d.value for d in Department}:
        raise DomainError(_l("Choose a department from the list."), field="department")
    _check(actor, department)
    name = _clean_name(name)
    _check_leader(leader)
    _check_name_free(department, name, None)
    team = Team(department=department, name=name, leader_id=leader.id)
    db.session.add(team)
    db.session.flush()
    record(
        action=AuditAction.TEAM_CHANGED,
        actor=actor,
        object_type="team",
        object_id=team.id,
        details={
            "name": [None, name],
            "leader": [None, leader.id],
            "department": [None, department],
        },
    )
    return team


def update_team(
    *, actor: User, team: Team, name: str, leader: User | None, qa_quota: int | None = None
) -> None:
    """Rename the team, give it another leader, or set its members' QA sample quota (None:
    the house default).

    :raises DomainError: as ``create_team``, or for a quota outside 0..MAX_QA_QUOTA.
    """
    _check(actor, team.department, team)
    name = _clean_name(name)
    _check_leader(leader)
    _check_name_free(team.department, name, team.id)
    if qa_quota is not None and not 0 <= qa_quota <= MAX_QA_QUOTA:
        raise DomainError(
            _l("Enter a number from 0 to %(num)d.", num=MAX_QA_QUOTA), field="qa_quota"
        )
    changes = {}
    if qa_quota != team.qa_quota:
        changes["qa_quota"] = [team.qa_quota, qa_quota]
        team.qa_quota = qa_quota
    if name != team.name:
        changes["name"] = [team.name, name]
    if leader.id != team.leader_id:
        changes["leader"] = [team.leader_id, leader.id]
    team.name, team.leader_id = name, leader.id
    db.session.flush()
    if changes:
        record(
            action=AuditAction.TEAM_CHANGED,
            actor=actor,
            object_type="team",
            object_id=team.id,
            details=changes,
        )


def set_members(*, actor: User, team: Team, user_ids: Collection[int]) -> None:
    """Make ``user_ids`` the team's members; an agent in another team moves here.

    :raises DomainError: when someone is not an active agent.
    """
    _check(actor, team.department, team)
    wanted = set(user_ids)
    agents = set(
        db.session.scalars(
            select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(
                UserRole.user_id.in_(wanted),
                UserRole.role == Role.AGENT.value,
                User.active.is_(True),
            )
        )
    )
    if agents != wanted:
        raise DomainError(_l("Only active agents can be team members."), field="members")
    before = {member.user_id for member in team.members}
    moved = list(
        db.session.scalars(
            select(TeamMember).where(
                TeamMember.user_id.in_(wanted - before), TeamMember.team_id != team.id
            )
        )
    )
    for member in moved:
        old_team = member.team
        _check(actor, old_team.department, old_team)
        before_old = sorted(m.user_id for m in old_team.members)
        old_team.members.remove(member)
        record(
            action=AuditAction.TEAM_CHANGED,
            actor=actor,
            object_type="team",
            object_id=old_team.id,
            details={"members": [before_old, [i for i in before_old if i != member.user_id]]},
        )
    for member in list(team.members):
        if member.user_id not in wanted:
            team.members.remove(member)
    db.session.flush()
    team.members.extend(TeamMember(user_id=i) for i in sorted(wanted - before))
    db.session.flush()
    if before != wanted:
        record(
            action=AuditAction.TEAM_CHANGED,
            actor=actor,
            object_type="team",
            object_id=team.id,
            details={"members": [sorted(before), sorted(wanted)]},
        )


def delete_team(*, actor: User, team: Team) -> None:
    """Remove the team; its members stay agents of the department, in no team."""
    _check(actor, team.department, team)
    record(
        action=AuditAction.TEAM_DELETED,
        actor=actor,
        object_type="team",
        object_id=team.id,
        details={
            "name": team.name,
            "department": team.department,
            "members": sorted(m.user_id for m in team.members),
        },
    )
    db.session.delete(team)
    db.session.flush()


def teams_in(departments: Collection[str] | None = None) -> list[Team]:
    """Teams by department and name (of ``departments``, or all)."""
    query = select(Team).order_by(Team.department, Team.name)
    if departments is not None:
        query = query.where(Team.department.in_(departments))
    return list(db.session.scalars(query))


def team_of(user_id: int) -> Team | None:
    return db.session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user_id)
    )
