"""The spot-check sample (抽查): per period and agent a quota of interactions drawn at random
by a kept seed, plus every interaction a risk trigger marks, each assigned to a reviewer who is
not the agent (the quotas: ``quotas.py``)."""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, or_, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.auth.queries import active_agents
from crm.cases.models import Case
from crm.database import insert_ignoring_duplicates
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.interactions.models import Category, Interaction
from crm.qa.models import (
    Reason,
    Review,
    ReviewStatus,
    SampleDraw,
    Scorecard,
)
from crm.qa.quotas import period_of, quotas
from crm.surveys.models import Survey
from crm.timezones import (
    department_bounds_utc,
    department_today,
)


def _reviewers() -> list[int]:
    return sorted(user_id for user_id, _name in active_agents(Role.QA))


def _risk_reasons(begin: datetime, finish: datetime, agent_ids: list[int]) -> dict[int, str]:
    """Interaction id -> the first risk trigger that marks it."""
    in_period = (
        Interaction.agent_id.in_(agent_ids),
        Interaction.occurred_at >= begin,
        Interaction.occurred_at < finish,
        Interaction.deleted_at.is_(None),
    )
    low = current_app.config["SURVEY_LOW_SCORE"]
    complaints = db.session.scalars(
        select(Interaction.id).where(*in_period, Interaction.category == Category.COMPLAINT)
    )
    breached = db.session.scalars(
        select(Case.interaction_id)
        .join(Interaction, Interaction.id == Case.interaction_id)
        .where(*in_period, or_(Case.response_breached, Case.resolution_breached))
    )
    low_rated = db.session.scalars(
        select(Case.interaction_id)
        .join(Interaction, Interaction.id == Case.interaction_id)
        .join(Survey, Survey.case_id == Case.id)
        .where(
            *in_period,
            or_(Survey.attitude <= low, Survey.efficiency <= low, Survey.resolution <= low),
        )
    )
    reasons: dict[int, str] = {}
    # Assigned lowest priority first, so the stronger reason overwrites.
    for reason, ids in (
        (Reason.LOW_SURVEY, low_rated),
        (Reason.SLA_BREACH, breached),
        (Reason.COMPLAINT, complaints),
    ):
        for interaction_id in ids:
            reasons[interaction_id] = reason.value
    return reasons


class _ReviewerPool:
    """Hands each new review to the eligible reviewer with the fewest open reviews."""

    def __init__(self) -> None:
        self.ids = _reviewers()
        open_counts = dict(
            db.session.execute(
                select(Review.reviewer_id, func.count())
                .where(
                    Review.reviewer_id.in_(self.ids),
                    Review.status.in_([ReviewStatus.ASSIGNED, ReviewStatus.DRAFT]),
                )
                .group_by(Review.reviewer_id)
            ).all()
        )
        self.load = {reviewer: open_counts.get(reviewer, 0) for reviewer in self.ids}

    def take(self, agent_id: int) -> int | None:
        eligible = [r for r in self.ids if r != agent_id]
        if not eligible:
            return None
        chosen = min(eligible, key=lambda r: (self.load[r], r))
        self.load[chosen] += 1
        return chosen


@dataclass
class DrawResult:
    draw: SampleDraw
    added: int
    by_reason: Counter[str]
    unassigned: int


def draw_sample(
    *, actor: User, day: date, scorecard: Scorecard, now: datetime, seed: int | None = None
) -> DrawResult:
    """Draw the sample of the period containing ``day``. The period's seed is kept at its first
    draw; drawing again adds only what is missing (new interactions, a raised quota), so the
    same data and seed always give the same sample.

    :raises DomainError: for a period that has not begun or an inactive scorecard.
    """
    if not actor.can(Permission.QA_REVIEW):
        raise PermissionDenied(_("Only QA reviewers draw samples."))
    start, end = period_of(day)
    if start > department_today(now):
        raise DomainError(_("This period has not begun yet."), field="day")
    if not scorecard.active:
        raise DomainError(_("This scorecard is no longer in use."), field="scorecard")
    draw = db.session.scalar(select(SampleDraw).where(SampleDraw.period_start == start))
    if draw is None:
        draw = SampleDraw(
            period_start=start,
            period_end=end,
            seed=secrets.randbits(48) if seed is None else seed,
            drawn_by_id=actor.id,
            drawn_at=now,
        )
        db.session.add(draw)
        db.session.flush()
    begin, finish = department_bounds_utc(start, end)
    agent_quotas = quotas(start, end)
    agent_ids = sorted(agent_quotas)
    interactions: dict[int, list[int]] = defaultdict(list)
    for interaction_id, agent_id in db.session.execute(
        select(Interaction.id, Interaction.agent_id)
        .where(
            Interaction.agent_id.in_(agent_ids),
            Interaction.occurred_at >= begin,
            Interaction.occurred_at < finish,
            Interaction.deleted_at.is_(None),
        )
        .order_by(Interaction.id)
    ):
        interactions[agent_id].append(interaction_id)
    already = set(
        db.session.scalars(
            select(Review.interaction_id)
            .join(Interaction, Interaction.id == Review.interaction_id)
            .where(
                Review.calibration_id.is_(None),
                Interaction.agent_id.in_(agent_ids),
                Interaction.occurred_at >= begin,
                Interaction.occurred_at < finish,
            )
        )
    )
    drawn_before = Counter(
        (agent_id, reason)
        for agent_id, reason in db.session.execute(
            select(Review.agent_id, Review.reason).where(Review.draw_id == draw.id)
        )
    )
    risks = _risk_reasons(begin, finish, agent_ids)
    version = scorecard.current
    pool = _ReviewerPool()
    picks: list[tuple[int, int, str]] = []
    for agent_id in agent_ids:
        own = [i for i in interactions[agent_id] if i not in already]
        chosen = [(i, risks[i]) for i in own if i in risks]
        candidates = [i for i in own if i not in risks]
        rng = random.Random(f"{draw.seed}:{agent_id}")  # noqa: S311 - a sample, not a secret
        quota = agent_quotas[agent_id]
        wanted = {
            Reason.RANDOM: quota.base - drawn_before[(agent_id, Reason.RANDOM.value)],
            Reason.FOLLOW_UP: quota.follow_up - drawn_before[(agent_id, Reason.FOLLOW_UP.value)],
        }
        for reason, count in wanted.items():
            picked = rng.sample(candidates, max(0, min(count, len(candidates))))
            candidates = [i for i in candidates if i not in set(picked)]
            chosen += [(i, reason.value) for i in sorted(picked)]
        picks += [(agent_id, interaction_id, reason) for interaction_id, reason in chosen]
    # Agents who are reviewers themselves have fewer possible reviewers: served first.
    picks.sort(key=lambda pick: (pick[0] not in pool.ids, pick[0], pick[1]))
    rows = [
        {
            "interaction_id": interaction_id,
            "agent_id": agent_id,
            "reviewer_id": pool.take(agent_id),
            "scorecard_version_id": version.id,
            "draw_id": draw.id,
            "reason": reason,
            "status": ReviewStatus.ASSIGNED.value,
            "revision": 0,
            "created_at": now,
        }
        for agent_id, interaction_id, reason in picks
    ]
    added = insert_ignoring_duplicates(db.session, Review, rows)
    by_reason = Counter(row["reason"] for row in rows)
    unassigned = sum(row["reviewer_id"] is None for row in rows)
    record(
        action=AuditAction.QA_SAMPLE_DRAWN,
        actor=actor,
        object_type="qa_draw",
        object_id=draw.id,
        details={"period": start.isoformat(), "added": added, **by_reason},
    )
    return DrawResult(draw, added, by_reason, unassigned)
