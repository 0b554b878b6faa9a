"""Demo teams (班组) and this week's duty roster: two supervisors each leading a team in the
larger departments, a few more agents, and shifts that put some people on duty at any hour."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crm.auth.models import User
from crm.auth.permissions import Role
from crm.auth.services import create_user
from crm.demo import DEMO_PASSWORD
from crm.extensions import db
from crm.teams.models import Shift, Team
from crm.teams.roster import Change, apply_changes
from crm.teams.services import create_team, set_members
from crm.timezones import department_today

#: people who join for the teams: (username, name, role)
TEAM_PEOPLE = [
    ("supervisor2", "周强", Role.SUPERVISOR),
    ("agent4", "黄敏", Role.AGENT),
    ("agent5", "吴涛", Role.AGENT),
    ("agent6", "徐静", Role.AGENT),
    ("agent7", "马超", Role.AGENT),
    ("agent8", "朱丽娟", Role.AGENT),
]
#: (department, team, leader, members)
TEAMS = [
    ("service", "客服一组", "supervisor", ["agent", "agent2"]),
    ("service", "客服二组", "supervisor2", ["agent3", "agent4"]),
    ("tech_support", "技术一组", "supervisor", ["agent5"]),
    ("tech_support", "技术二组", "supervisor2", ["agent6"]),
    ("after_sales", "售后组", "supervisor", ["agent7"]),
    ("complaints", "投诉组", "supervisor2", ["agent8"]),
]
#: a week's rota, shifted by one day per person: two early, two middle, one late, two off
ROTA = [Shift.EARLY, Shift.EARLY, Shift.MIDDLE, Shift.MIDDLE, Shift.LATE, Shift.REST, Shift.REST]


def seed_teams(*, admin: User, now: datetime) -> int:
    """Create the teams and this week's roster (once); returns the teams created."""
    if db.session.scalar(select(Team.id).limit(1)) is not None:
        return 0
    existing = {user.username: user for user in db.session.scalars(select(User))}
    for username, name, role in TEAM_PEOPLE:
        if username not in existing:
            user, _ = create_user(
                actor=None,
                username=username,
                display_name=name,
                roles=[role.value],
                email=f"{username}@demo.example.cn",
                password=DEMO_PASSWORD,
            )
            user.created_at = now - timedelta(days=2 * 365)
            existing[username] = user
    created = 0
    for department, name, leader, members in TEAMS:
        if leader not in existing or any(m not in existing for m in members):
            continue
        team = create_team(actor=admin, department=department, name=name, leader=existing[leader])
        set_members(actor=admin, team=team, user_ids={existing[m].id for m in members})
        created += 1
    monday = department_today(now) - timedelta(days=department_today(now).weekday())
    people = sorted(
        {existing[m].id for _d, _n, _l, members in TEAMS for m in members if m in existing}
    )
    apply_changes(
        actor=admin,
        changes=[
            Change(user_id, monday + timedelta(days=day), ROTA[(index + day) % len(ROTA)].value)
            for index, user_id in enumerate(people)
            for day in range(7)
        ],
    )
    return created
