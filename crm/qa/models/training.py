"""The training loop: rules that turn a low criterion score into training, and the
assignments they made."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class TrainingRule(db.Model):
    """When an agent's criterion scores below ``below_percent`` (or a critical one fails),
    assign the topic."""

    __tablename__ = "qa_training_rules"
    __table_args__ = (
        UniqueConstraint("criterion_code", "topic_id"),
        CheckConstraint("below_percent > 0 AND below_percent <= 100", name="threshold_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_code: Mapped[str] = mapped_column(String(40))
    below_percent: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    topic_id: Mapped[int] = mapped_column(ForeignKey("training_topics.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingAssignment(db.Model):
    """A training topic assigned to an agent because of a review."""

    __tablename__ = "qa_training_assignments"
    __table_args__ = (
        UniqueConstraint("review_id", "topic_id"),
        Index("ix_qa_training_assignments_agent", "agent_id", "assigned_at"),
        # The trainer's queue: assignments still waiting for a session, per topic.
        Index(
            "ix_qa_training_assignments_queue",
            "topic_id",
            sqlite_where=text("session_id IS NULL AND withdrawn_at IS NULL"),
            postgresql_where=text("session_id IS NULL AND withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("training_topics.id"))
    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id"))
    criterion_code: Mapped[str] = mapped_column(String(40))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set when an accepted dispute removed the failing score (the row stays, for the record)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the training session the trainer planned for it; None while it waits in the queue
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_sessions.id"))
