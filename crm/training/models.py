"""Training topics, sessions, attendance, exam attempts and onboarding certificates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class SessionKind(StrEnum):
    ONBOARDING = "onboarding"
    IN_SERVICE = "in_service"


KIND_LABELS = {
    SessionKind.ONBOARDING: _l("Onboarding (新员工入职培训)"),
    SessionKind.IN_SERVICE: _l("In-service (在职技能提升培训)"),
}


class Attendance(StrEnum):
    INVITED = "invited"
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"


ATTENDANCE_LABELS = {
    Attendance.INVITED: _l("Not marked"),
    Attendance.PRESENT: _l("Present"),
    Attendance.LATE: _l("Late"),
    Attendance.ABSENT: _l("Absent"),
}


class TrainingTopic(db.Model):
    __tablename__ = "training_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    #: retired topics stay on past sessions but are not offered for new ones
    active: Mapped[bool] = mapped_column(Boolean, default=True)


session_topics = Table(
    "training_session_topics",
    db.metadata,
    Column("session_id", ForeignKey("training_sessions.id"), primary_key=True),
    Column("topic_id", ForeignKey("training_topics.id"), primary_key=True),
)


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint(column("kind").in_([k.value for k in SessionKind]), name="kind_known"),
        CheckConstraint("max_score > 0", name="max_score_positive"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= max_score", name="pass_mark_range"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_training_sessions_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: one of SessionKind
    kind: Mapped[str] = mapped_column(String(20))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    #: a room or an online meeting link
    location: Mapped[str | None] = mapped_column(String(300))
    #: the first day of the month the session counts for (每月一次)
    month: Mapped[date] = mapped_column(Date)
    #: the exam's current maximum and pass mark; every attempt keeps its own copy
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal("100"))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal("60"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    trainer: Mapped[User] = relationship(foreign_keys=[trainer_id], lazy="joined")
    topics: Mapped[list[TrainingTopic]] = relationship(
        secondary=session_topics, lazy="selectin", order_by=TrainingTopic.name
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", lazy="selectin", cascade="all, delete-orphan"
    )


class Participant(db.Model):
    """An invited member of staff and their attendance."""

    __tablename__ = "training_participants"
    __table_args__ = (
        CheckConstraint(
            column("attendance").in_([a.value for a in Attendance]), name="attendance_known"
        ),
        Index("ix_training_participants_user_id", "user_id"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: one of Attendance
    attendance: Mapped[str] = mapped_column(String(10), default=Attendance.INVITED.value)
    absence_reason: Mapped[str | None] = mapped_column(String(200))

    session: Mapped[TrainingSession] = relationship(back_populates="participants")
    user: Mapped[User] = relationship(lazy="joined")


class ExamAttempt(db.Model):
    """One sitting of a session's exam. The maximum and pass mark in force are copied onto the
    attempt, so changing the session's pass mark later never rewrites past results."""

    __tablename__ = "exam_attempts"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", "attempt_no"),
        CheckConstraint("score >= 0 AND score <= max_score", name="score_range"),
        CheckConstraint("attempt_no >= 1", name="attempt_positive"),
        Index("ix_exam_attempts_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt_no: Mapped[int] = mapped_column(SmallInteger)
    taken_on: Mapped[date] = mapped_column(Date)
    score: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    passed: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Certificate(db.Model):
    """Passing an onboarding exam certifies an agent until ``expires_on``."""

    __tablename__ = "training_certificates"
    __table_args__ = (Index("ix_training_certificates_user_expires", "user_id", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id"), unique=True)
    certified_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)

    user: Mapped[User] = relationship(lazy="joined")
