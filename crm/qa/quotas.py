"""Spot-check quotas: the sampling period, how many interactions of each agent a period's
sample takes, and how far the reviews cover them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User, UserRole
from crm.auth.permissions import Role
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.qa.models import (
    SCORED_STATUSES,
    Review,
    SampleDraw,
    TrainingAssignment,
)
from crm.teams.queries import member_qa_quotas
from crm.timezones import (
    department_bounds_utc,
    department_zone,
    local_day_start_utc,
)


def period_of(day: date) -> tuple[date, date]:
    """The sampling period (CRM_QA_SAMPLE_PERIOD) containing ``day``: its first day and the
    day after its last."""
    if current_app.config["QA_SAMPLE_PERIOD"] == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


@dataclass
class AgentQuota:
    agent_id: int
    name: str
    #: the random draw's share of the quota
    base: int
    #: extra interactions after a review assigned the agent training
    follow_up: int = 0
    #: interactions the agent had in the period
    interactions: int = 0
    selected: int = 0
    scored: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def quota(self) -> int:
        return self.base + self.follow_up

    @property
    def below_quota(self) -> bool:
        return self.scored < self.quota


def _agents() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.AGENT.value, User.active.is_(True))
            .order_by(User.id)
        )
    )


def quotas(start: date, end: date) -> dict[int, AgentQuota]:
    """Each active agent's quota for the period: the new-agent quota in their first
    CRM_QA_NEW_AGENT_DAYS, else their team's quota if it sets one, else CRM_QA_QUOTA; plus
    CRM_QA_FOLLOW_UP_EXTRA after a review assigned them training since the previous period
    began."""
    config = current_app.config
    zone = department_zone()
    previous_start = period_of(start - timedelta(days=1))[0]
    followed_up = set(
        db.session.scalars(
            select(TrainingAssignment.agent_id).where(
                TrainingAssignment.assigned_at >= local_day_start_utc(previous_start, zone),
                TrainingAssignment.assigned_at < local_day_start_utc(end, zone),
                TrainingAssignment.withdrawn_at.is_(None),
            )
        )
    )
    team_quota = member_qa_quotas()
    result = {}
    for agent in _agents():
        joined = agent.created_at.astimezone(zone).date()
        new = (start - joined).days < config["QA_NEW_AGENT_DAYS"]
        result[agent.id] = AgentQuota(
            agent.id,
            agent.display_name,
            base=config["QA_NEW_AGENT_QUOTA"]
            if new
            else team_quota.get(agent.id, config["QA_QUOTA"]),
            follow_up=config["QA_FOLLOW_UP_EXTRA"] if agent.id in followed_up else 0,
        )
    return result


def coverage(start: date, end: date) -> list[AgentQuota]:
    """Each active agent's quota against what was selected and scored in the period, lowest
    coverage first."""
    agent_quotas = quotas(start, end)
    begin, finish = department_bounds_utc(start, end)
    for agent_id, count in db.session.execute(
        select(Interaction.agent_id, func.count())
        .where(
            Interaction.agent_id.in_(agent_quotas),
            Interaction.occurred_at >= begin,
            Interaction.occurred_at < finish,
            Interaction.deleted_at.is_(None),
        )
        .group_by(Interaction.agent_id)
    ):
        agent_quotas[agent_id].interactions = count
    for agent_id, reason, status in db.session.execute(
        select(Review.agent_id, Review.reason, Review.status)
        .join(SampleDraw, SampleDraw.id == Review.draw_id)
        .where(SampleDraw.period_start == start, Review.agent_id.in_(agent_quotas))
    ):
        entry = agent_quotas[agent_id]
        entry.selected += 1
        entry.by_reason[reason] += 1
        entry.scored += status in SCORED_STATUSES
    return sorted(
        agent_quotas.values(), key=lambda q: (not q.below_quota, q.scored - q.quota, q.name)
    )
