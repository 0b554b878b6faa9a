"""QA reviews: the sample draws and calibration sessions they come from, and the scores of
each revision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Interaction
from crm.qa.models.scorecards import ScorecardVersion


class Reason(StrEnum):
    """Why an interaction was put in the sample; risk triggers first, as they take priority."""

    COMPLAINT = "complaint"
    SLA_BREACH = "sla_breach"
    LOW_SURVEY = "low_survey"
    FOLLOW_UP = "follow_up"
    RANDOM = "random"
    CALIBRATION = "calibration"


REASON_LABELS = {
    Reason.COMPLAINT: _l("Complaint"),
    Reason.SLA_BREACH: _l("SLA breach"),
    Reason.LOW_SURVEY: _l("Low survey rating"),
    Reason.FOLLOW_UP: _l("Follow-up after training"),
    Reason.RANDOM: _l("Random draw"),
    Reason.CALIBRATION: _l("Calibration"),
}


class ReviewStatus(StrEnum):
    ASSIGNED = "assigned"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    DISPUTED = "disputed"
    RESOLVED = "resolved"


STATUS_LABELS = {
    ReviewStatus.ASSIGNED: _l("To score"),
    ReviewStatus.DRAFT: _l("Draft"),
    ReviewStatus.SUBMITTED: _l("Submitted"),
    ReviewStatus.ACKNOWLEDGED: _l("Acknowledged"),
    ReviewStatus.DISPUTED: _l("Disputed"),
    ReviewStatus.RESOLVED: _l("Dispute decided"),
}
#: statuses in which the reviewer still scores
EDITABLE_STATUSES = (ReviewStatus.ASSIGNED, ReviewStatus.DRAFT)
#: statuses of a review whose score counts
SCORED_STATUSES = (
    ReviewStatus.SUBMITTED,
    ReviewStatus.ACKNOWLEDGED,
    ReviewStatus.DISPUTED,
    ReviewStatus.RESOLVED,
)


class SampleDraw(db.Model):
    """The draw of one period. Its seed is kept, so drawing again picks the same sample."""

    __tablename__ = "qa_draws"
    __table_args__ = (CheckConstraint("period_end > period_start", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: first day of the period (local calendar)
    period_start: Mapped[date] = mapped_column(Date, unique=True)
    #: the day after the period's last day
    period_end: Mapped[date] = mapped_column(Date)
    seed: Mapped[int] = mapped_column(BigInteger)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CalibrationSession(db.Model):
    """Several reviewers score the same interaction blind; the scores never count for the
    agent."""

    __tablename__ = "qa_calibrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"))
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecard_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: results are revealed once the session is closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    interaction: Mapped[Interaction] = relationship(lazy="joined")
    scorecard_version: Mapped[ScorecardVersion] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")


class Review(db.Model):
    """A spot check of one interaction. Its scores live in revisions: the reviewer's is 1; an
    accepted dispute adds the next, and every earlier one is kept."""

    __tablename__ = "qa_reviews"
    __table_args__ = (
        CheckConstraint(column("reason").in_([r.value for r in Reason]), name="reason_known"),
        CheckConstraint(column("status").in_([s.value for s in ReviewStatus]), name="status_known"),
        # Never one's own interaction, enforced below the application too.
        CheckConstraint("reviewer_id IS NULL OR reviewer_id <> agent_id", name="not_own"),
        CheckConstraint(
            "(calibration_id IS NULL) = (reason <> 'calibration')", name="calibration_reason"
        ),
        # One counted review per interaction: drawing twice adds nothing.
        Index(
            "ix_qa_reviews_interaction",
            "interaction_id",
            unique=True,
            sqlite_where=text("calibration_id IS NULL"),
            postgresql_where=text("calibration_id IS NULL"),
        ),
        UniqueConstraint("calibration_id", "reviewer_id"),
        Index("ix_qa_reviews_agent_submitted", "agent_id", "submitted_at"),
        Index("ix_qa_reviews_reviewer_status", "reviewer_id", "status"),
        Index("ix_qa_reviews_draw_agent", "draw_id", "agent_id"),
        Index("ix_qa_reviews_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"))
    #: the agent whose interaction is reviewed (copied from the interaction)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: None while nobody took it (every reviewer was the agent, or the pool was empty)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scorecard_version_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecard_versions.id"))
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("qa_draws.id"))
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("qa_calibrations.id"))
    reason: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.ASSIGNED.value)
    #: the revision in force; 0 until submitted
    revision: Mapped[int] = mapped_column(Integer, default=0)
    #: the figures of the revision in force, kept here for reports
    computed_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    critical_failed: Mapped[bool | None] = mapped_column(Boolean)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    interaction: Mapped[Interaction] = relationship(lazy="joined")
    agent: Mapped[User] = relationship(foreign_keys=[agent_id], lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    scorecard_version: Mapped[ScorecardVersion] = relationship(lazy="joined")
    calibration: Mapped[CalibrationSession | None] = relationship(lazy="joined")

    @property
    def is_scored(self) -> bool:
        return self.status in SCORED_STATUSES


class ReviewRevision(db.Model):
    """The figures of one revision of a review, with who made it and why."""

    __tablename__ = "qa_review_revisions"

    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    critical_failed: Mapped[bool] = mapped_column(Boolean)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: e.g. the dispute that led to it
    note: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User] = relationship(lazy="joined")


class ReviewScore(db.Model):
    """The value given to one criterion in one revision; ``value`` None is N/A."""

    __tablename__ = "qa_review_scores"
    __table_args__ = (Index("ix_qa_review_scores_criterion", "criterion_id"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("qa_reviews.id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("qa_criteria.id"), primary_key=True)
    value: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
