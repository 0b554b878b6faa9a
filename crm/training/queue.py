"""The trainer's queue: people QA assigned a topic to (a criterion scored below its rule's
threshold), not yet planned into a session nor withdrawn by an accepted dispute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from crm.auth.models import User
from crm.extensions import db
from crm.qa.models import TrainingAssignment
from crm.training.models import TrainingTopic


@dataclass
class QueuedPerson:
    user_id: int
    name: str
    #: reviews that assigned the topic
    reviews: int
    since: datetime


@dataclass
class QueueEntry:
    topic: TrainingTopic
    people: list[QueuedPerson] = field(default_factory=list)


def assigned_queue() -> list[QueueEntry]:
    """Per topic (by name), the people waiting for training on it, longest waiting first."""
    rows = db.session.execute(
        select(
            TrainingAssignment.topic_id,
            User.id,
            User.display_name,
            func.count(),
            func.min(TrainingAssignment.assigned_at),
        )
        .join(User, User.id == TrainingAssignment.agent_id)
        .where(
            TrainingAssignment.session_id.is_(None),
            TrainingAssignment.withdrawn_at.is_(None),
            User.active.is_(True),
        )
        .group_by(TrainingAssignment.topic_id, User.id, User.display_name)
    ).all()
    if not rows:
        return []
    topics = {
        t.id: t
        for t in db.session.scalars(
            select(TrainingTopic).where(TrainingTopic.id.in_({row[0] for row in rows}))
        )
    }
    entries: dict[int, QueueEntry] = {}
    for topic_id, user_id, name, reviews, since in rows:
        entry = entries.setdefault(topic_id, QueueEntry(topics[topic_id]))
        entry.people.append(QueuedPerson(user_id, name, reviews, since))
    for entry in entries.values():
        entry.people.sort(key=lambda p: (p.since, p.user_id))
    return sorted(entries.values(), key=lambda e: e.topic.name)


def waiting_topics(user: User) -> list[tuple[TrainingTopic, datetime]]:
    """The topics QA assigned ``user`` that no session has taken up yet, with since when."""
    rows = db.session.execute(
        select(TrainingTopic, func.min(TrainingAssignment.assigned_at))
        .join(TrainingAssignment, TrainingAssignment.topic_id == TrainingTopic.id)
        .where(
            TrainingAssignment.agent_id == user.id,
            TrainingAssignment.session_id.is_(None),
            TrainingAssignment.withdrawn_at.is_(None),
        )
        .group_by(TrainingTopic.id)
        .order_by(func.min(TrainingAssignment.assigned_at))
    ).all()
    return [(topic, since) for topic, since in rows]
