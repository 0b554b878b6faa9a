"""Demo training history: one session a month for the last year, with attendance and scores."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.training.attendance import record_attendance
from crm.training.models import Attendance, SessionKind, TrainingTopic
from crm.training.services import ScoreEntry, create_session, record_scores


def seed_training(
    *, rng: random.Random, trainer: User, agents: list[User], today: datetime, months: int = 12
) -> int:
    """Create ``months`` monthly sessions (onboarding every quarter, in-service otherwise)
    through the trainer, the way a trainer would record them; returns how many."""
    topics = list(db.session.scalars(select(TrainingTopic).order_by(TrainingTopic.id)))
    for back in range(months, 0, -1):
        month = (today.replace(day=1) - timedelta(days=30 * back)).date().replace(day=1)
        onboarding = back % 3 == 0
        session = create_session(
            actor=trainer,
            title=("新员工入职培训" if onboarding else f"{topics[back % len(topics)].name}专题培训")
            if topics
            else "在职培训",
            kind=SessionKind.ONBOARDING if onboarding else SessionKind.IN_SERVICE,
            trainer=trainer,
            starts_at=datetime.combine(month.replace(day=10), time(6, 0), tzinfo=UTC),
            duration_minutes=120,
            month=month,
            topics=topics[back % len(topics) : back % len(topics) + 1] if topics else [],
            invited=agents,
            location="3号培训室",
        )
        marks = {}
        for agent in agents:
            roll = rng.random()
            if roll < 0.08:
                marks[agent.id] = (Attendance.ABSENT.value, "病假")
            else:
                marks[agent.id] = (
                    (Attendance.LATE if roll < 0.15 else Attendance.PRESENT).value,
                    None,
                )
        record_attendance(actor=trainer, session=session, marks=marks)
        sitting = [uid for uid, (attendance, _) in marks.items() if attendance != Attendance.ABSENT]
        entries = [
            ScoreEntry(
                uid, str(Decimal(min(100, max(30, int(rng.gauss(78, 12)))))), month.replace(day=10)
            )
            for uid in sitting
        ]
        if entries:
            record_scores(actor=trainer, session=session, entries=entries)
    return months
