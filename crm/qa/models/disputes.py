"""An agent's dispute of a QA review, criterion by criterion."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.qa.models.reviews import Review
from crm.qa.models.scorecards import Criterion


class DisputeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


DISPUTE_LABELS = {
    DisputeStatus.OPEN: _l("Open"),
    DisputeStatus.ACCEPTED: _l("Accepted"),
    DisputeStatus.REJECTED: _l("Rejected"),
}


class Dispute(db.Model):
    __tablename__ = "qa_disputes"
    __table_args__ = (
        CheckConstraint(
            column("status").in_([s.value for s in DisputeStatus]), name="status_known"
        ),
        CheckConstraint(
            "status = 'open' OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided_has_decider",
        ),
        Index(
            "ix_qa_disputes_open",
            "opened_at",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one dispute per review
    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default=DisputeStatus.OPEN.value)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why it was rejected, or what the supervisor changed
    decision_note: Mapped[str | None] = mapped_column(Text)

    review: Mapped[Review] = relationship(lazy="joined")
    decided_by: Mapped[User | None] = relationship(lazy="joined")
    items: Mapped[list[DisputeItem]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class DisputeItem(db.Model):
    """One disputed criterion with the agent's comment."""

    __tablename__ = "qa_dispute_items"

    dispute_id: Mapped[int] = mapped_column(ForeignKey("qa_disputes.id"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("qa_criteria.id"), primary_key=True)
    comment: Mapped[str] = mapped_column(Text)

    criterion: Mapped[Criterion] = relationship(lazy="joined")
