"""Closing the loop with training: a failed criterion assigns the topic its rule names; a
session that covers the topic takes the person off the trainer's queue; an accepted dispute
that removes the failing score withdraws the assignment and the extra sample it caused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from fractions import Fraction

from sqlalchemy import delete, select, update

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.database import insert_ignoring_duplicates
from crm.extensions import db
from crm.notifications.services import notify
from crm.qa import scoring
from crm.qa.models import (
    Reason,
    Review,
    ReviewStatus,
    SampleDraw,
    TrainingAssignment,
    TrainingRule,
)
from crm.qa.quotas import quotas
from crm.training.models import TrainingTopic


def _failing(review: Review, values: Mapping[int, int | None]) -> list[TrainingRule]:
    """The active rules whose criterion the values fail: below the rule's threshold, or a
    failed critical criterion."""
    by_code = {c.code: c for c in review.scorecard_version.criteria}
    rules = db.session.scalars(
        select(TrainingRule).where(
            TrainingRule.active.is_(True), TrainingRule.criterion_code.in_(by_code)
        )
    )
    failing = []
    for rule in rules:
        criterion = by_code[rule.criterion_code]
        value = values.get(criterion.id)
        if value is None:
            continue
        share = scoring.credit(criterion, value)
        if share < Fraction(rule.below_percent) or (
            criterion.critical and scoring.fails(criterion, value)
        ):
            failing.append(rule)
    return failing


def assign_training(review: Review, values: Mapping[int, int | None], now: datetime) -> int:
    """Apply the active training rules to a submitted review: each criterion scoring below a
    rule's threshold, or a failed critical one, assigns the rule's topic to the agent.

    :returns: how many assignments were new.
    """
    rows = [
        {
            "agent_id": review.agent_id,
            "topic_id": rule.topic_id,
            "review_id": review.id,
            "criterion_code": rule.criterion_code,
            "assigned_at": now,
        }
        for rule in _failing(review, values)
    ]
    added = insert_ignoring_duplicates(db.session, TrainingAssignment, rows)
    if rows:
        topics = dict(
            db.session.execute(
                select(TrainingTopic.id, TrainingTopic.name).where(
                    TrainingTopic.id.in_([row["topic_id"] for row in rows])
                )
            ).all()
        )
        names = sorted({topics[row["topic_id"]] for row in rows})
        notify(
            [
                {
                    "user_id": review.agent_id,
                    "kind": "qa.training",
                    "subject_type": "qa_review",
                    "subject_id": review.id,
                    "payload": {"topic": ", ".join(names), "review": review.id},
                }
            ]
        )
    return added


def plan_assignments(session_id: int, agent_ids: Iterable[int], topic_ids: Iterable[int]) -> int:
    """A session on a queued topic takes the people it invites off the trainer's queue.

    :returns: how many assignments it covers.
    """
    agents, topics = list(agent_ids), list(topic_ids)
    if not agents or not topics:
        return 0
    return db.session.execute(
        update(TrainingAssignment)
        .where(
            TrainingAssignment.agent_id.in_(agents),
            TrainingAssignment.topic_id.in_(topics),
            TrainingAssignment.session_id.is_(None),
            TrainingAssignment.withdrawn_at.is_(None),
        )
        .values(session_id=session_id)
        .execution_options(synchronize_session="fetch")
    ).rowcount


def withdraw_training(
    *, actor: User, review: Review, values: Mapping[int, int | None], now: datetime
) -> int:
    """After an accepted dispute: withdraw each assignment of the review whose criterion no
    longer fails, and take back the follow-up sample it added while still unscored.

    :returns: how many assignments were withdrawn.
    """
    still_failing = {(rule.topic_id, rule.criterion_code) for rule in _failing(review, values)}
    withdrawn = [
        assignment
        for assignment in db.session.scalars(
            select(TrainingAssignment).where(
                TrainingAssignment.review_id == review.id,
                TrainingAssignment.withdrawn_at.is_(None),
            )
        )
        if (assignment.topic_id, assignment.criterion_code) not in still_failing
    ]
    if not withdrawn:
        return 0
    for assignment in withdrawn:
        assignment.withdrawn_at = now
    db.session.flush()
    taken_back = _take_back_follow_ups(review.agent_id, min(a.assigned_at for a in withdrawn))
    record(
        action=AuditAction.QA_TRAINING_WITHDRAWN,
        actor=actor,
        object_type="qa_review",
        object_id=review.id,
        details={
            "topics": sorted(a.topic_id for a in withdrawn),
            "follow_up_reviews_withdrawn": taken_back,
        },
    )
    return len(withdrawn)


def _take_back_follow_ups(agent_id: int, since: datetime) -> int:
    """Remove the agent's unscored follow-up reviews beyond what the quotas of the periods
    drawn since ``since`` still call for."""
    removed = 0
    draws = db.session.scalars(select(SampleDraw).where(SampleDraw.period_end > since.date()))
    for draw in list(draws):
        wanted = quotas(draw.period_start, draw.period_end)
        keep = wanted[agent_id].follow_up if agent_id in wanted else 0
        drawn = list(
            db.session.scalars(
                select(Review)
                .where(
                    Review.draw_id == draw.id,
                    Review.agent_id == agent_id,
                    Review.reason == Reason.FOLLOW_UP.value,
                )
                .order_by(Review.id.desc())
            )
        )
        unscored = [r.id for r in drawn if r.status == ReviewStatus.ASSIGNED]
        excess = unscored[: max(0, len(drawn) - keep)]
        if excess:
            db.session.execute(
                delete(Review)
                .where(Review.id.in_(excess))
                .execution_options(synchronize_session="fetch")
            )
            removed += len(excess)
    return removed
