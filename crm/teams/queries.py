"""Read-only questions other domains ask about teams (reports' team filter)."""

from __future__ import annotations

from sqlalchemy import select

from crm.cases.models import DEPARTMENT_LABELS
from crm.extensions import db
from crm.teams.models import Team, TeamMember


def team_members(team_id: int) -> frozenset[int]:
    """The team's members (empty for an unknown team, so a filter by it keeps nothing)."""
    return frozenset(
        db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id))
    )


def team_choices() -> list[tuple[int, str]]:
    """Every team as (id, "department · name"), for a filter."""
    return [
        (team.id, f"{DEPARTMENT_LABELS[team.department]} · {team.name}")
        for team in db.session.scalars(select(Team).order_by(Team.department, Team.name))
    ]


def member_qa_quotas() -> dict[int, int]:
    """Agent id -> the QA sample quota of their team, for members of teams that set one."""
    return dict(
        db.session.execute(
            select(TeamMember.user_id, Team.qa_quota)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.qa_quota.is_not(None))
        ).all()
    )


def member_team_names() -> dict[int, str]:
    """Agent id -> "department · team" of the team they are in."""
    return {
        user_id: f"{DEPARTMENT_LABELS[department]} · {name}"
        for user_id, department, name in db.session.execute(
            select(TeamMember.user_id, Team.department, Team.name).join(
                Team, Team.id == TeamMember.team_id
            )
        )
    }
