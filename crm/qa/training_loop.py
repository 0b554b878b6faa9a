"""Closing the loop with training: a failed criterion assigns the topic its rule names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select

from crm.database import insert_ignoring_duplicates
from crm.extensions import db
from crm.notifications.services import notify
from crm.qa import scoring
from crm.qa.models import Review, TrainingAssignment, TrainingRule
from crm.training.models import TrainingTopic


def assign_training(review: Review, values: Mapping[int, int | None], now: datetime) -> int:
    """Apply the active training rules to a submitted review: each criterion scoring below a
    rule's threshold, or a failed critical one, assigns the rule's topic to the agent.

    :returns: how many assignments were new.
    """
    by_code = {c.code: c for c in review.scorecard_version.criteria}
    rules = db.session.scalars(
        select(TrainingRule).where(
            TrainingRule.active.is_(True), TrainingRule.criterion_code.in_(by_code)
        )
    )
    rows = []
    for rule in rules:
        criterion = by_code[rule.criterion_code]
        value = values.get(criterion.id)
        if value is None:
            continue
        share = scoring.credit(criterion, value)
        if share < Fraction(rule.below_percent) or (
            criterion.critical and scoring.fails(criterion, value)
        ):
            rows.append(
                {
                    "agent_id": review.agent_id,
                    "topic_id": rule.topic_id,
                    "review_id": review.id,
                    "criterion_code": rule.criterion_code,
                    "assigned_at": now,
                }
            )
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
