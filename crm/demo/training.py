"""Demo training: one session a month for the last year with attendance and exam scores, the
latest ones still missing some results, and next month's sessions planned."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import select

from crm.auth.models import User
from crm.extensions import db
from crm.timezones import department_today
from crm.training.attendance import record_attendance
from crm.training.models import Attendance, SessionKind, TrainingSession, TrainingTopic
from crm.training.services import ScoreEntry, add_months, create_session, record_scores

#: sittings left without a score in the last session held: the trainer's follow-up
MISSING_RESULTS = 2


def _plan(
    *, trainer: User, agents: list[User], topics: list[TrainingTopic], month: date, back: int
) -> TrainingSession:
    onboarding = back % 3 == 0
    topic = topics[back % len(topics)] if topics else None
    return create_session(
        actor=trainer,
        title="新员工入职培训" if onboarding or topic is None else f"{topic.name}专题培训",
        kind=SessionKind.ONBOARDING if onboarding else SessionKind.IN_SERVICE,
        trainer=trainer,
        # 14:00 in Shanghai on the 10th
        starts_at=datetime.combine(month.replace(day=10), time(6, 0), tzinfo=UTC),
        duration_minutes=120,
        month=month,
        topics=[topic] if topic else [],
        invited=agents,
        location="3号培训室",
    )


def _hold(
    rng: random.Random, *, trainer: User, session: TrainingSession, agents: list[User], missing: int
) -> None:
    """Take attendance and record the exam of everyone who sat it but ``missing`` of them."""
    marks = {}
    for agent in agents:
        roll = rng.random()
        if roll < 0.08:
            marks[agent.id] = (Attendance.ABSENT.value, "病假")
        else:
            marks[agent.id] = ((Attendance.LATE if roll < 0.15 else Attendance.PRESENT).value, None)
    record_attendance(actor=trainer, session=session, marks=marks)
    sitting = [uid for uid, (attendance, _) in marks.items() if attendance != Attendance.ABSENT]
    exam_day = session.starts_at.date()
    entries = [
        ScoreEntry(uid, str(Decimal(min(100, max(30, int(rng.gauss(76, 13)))))), exam_day)
        for uid in sitting[: max(0, len(sitting) - missing)]
    ]
    if entries:
        record_scores(actor=trainer, session=session, entries=entries)


def seed_training(
    *, rng: random.Random, trainer: User, agents: list[User], now: datetime, months: int = 12
) -> int:
    """A session a month from ``months`` back to next month (onboarding every quarter,
    in-service otherwise), recorded through the trainer's services: past ones held with
    their results, the latest held one missing a few results, the coming ones planned.
    Returns how many sessions."""
    topics = list(db.session.scalars(select(TrainingTopic).order_by(TrainingTopic.id)))
    this_month = department_today(now).replace(day=1)
    sessions = []
    for back in range(months, -2, -1):
        month = add_months(this_month, -back)
        session = _plan(trainer=trainer, agents=agents, topics=topics, month=month, back=back)
        sessions.append(session)
    held = [session for session in sessions if session.starts_at < now]
    for session in held:
        missing = MISSING_RESULTS if session is held[-1] else 0
        _hold(rng, trainer=trainer, session=session, agents=agents, missing=missing)
    return len(sessions)
