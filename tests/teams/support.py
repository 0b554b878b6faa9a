"""Two teams of one department, each with a leader, an agent, a case and a callback."""

from __future__ import annotations

from dataclasses import dataclass

from crm.api.tokens import create_token
from crm.auth.models import User
from crm.cases.models import Case
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.teams.services import create_team, set_members
from crm.timezones import department_today
from tests.factories import make_customer, make_plan, make_task, make_user


@dataclass
class World:
    admin: User
    lead_a: User
    lead_b: User
    agent_a: User
    agent_b: User
    case_a: int
    case_b: int
    pool: int
    task_a: int
    task_b: int
    team_a: int
    team_b: int
    tokens: dict[str, str]


def build_world() -> World:
    admin = make_user(username="admin.chen", roles=["admin"])
    lead_a = make_user(username="lead.a", display_name="甲组长", roles=["supervisor"])
    lead_b = make_user(username="lead.b", display_name="乙组长", roles=["supervisor"])
    agent_a = make_user(username="agent.a", display_name="甲员工", roles=["agent"])
    agent_b = make_user(username="agent.b", display_name="乙员工", roles=["agent"])
    team_a = create_team(actor=admin, department="service", name="甲组", leader=lead_a)
    team_b = create_team(actor=admin, department="service", name="乙组", leader=lead_b)
    set_members(actor=admin, team=team_a, user_ids={agent_a.id})
    set_members(actor=admin, team=team_b, user_ids={agent_b.id})
    customer = make_customer(actor=agent_a, name="王客户", phones=["13800138000"])

    def case(subject: str, assignee: User | None) -> Case:
        return open_case(
            actor=agent_a,
            customer=customer,
            subject=subject,
            category="inquiry",
            now=utcnow(),
            assignee=assignee,
        )

    case_a, case_b, pool = (
        case("甲组的工单", agent_a),
        case("乙组的工单", agent_b),
        case("没人接", None),
    )
    today = department_today(utcnow())
    task_a = make_task(make_plan(actor=admin, customer=customer, assignee=agent_a), today)
    task_b = make_task(make_plan(actor=admin, customer=customer, assignee=agent_b), today)
    tokens = {
        user.username: create_token(actor=user, name="测试", now=utcnow())[1]
        for user in (lead_a, lead_b, admin)
    }
    db.session.commit()
    return World(
        admin,
        lead_a,
        lead_b,
        agent_a,
        agent_b,
        case_a.id,
        case_b.id,
        pool.id,
        task_a.id,
        task_b.id,
        team_a.id,
        team_b.id,
        tokens,
    )
