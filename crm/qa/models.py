"""QA spot checks (质检抽查): versioned scorecards, sample draws, reviews with their revisions,
disputes, calibration sessions, the training loop and the kept quarterly reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
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


class Style(StrEnum):
    #: score = sum of criterion% x weight / sum of weights over the rated criteria
    WEIGHTED = "weighted"
    #: 100 minus each fault's points, never below 0
    DEDUCTION = "deduction"


STYLE_LABELS = {
    Style.WEIGHTED: _l("Weighted average"),
    Style.DEDUCTION: _l("Deduction from 100"),
}


class Scale(StrEnum):
    YES_NO = "yes_no"
    ONE_TO_THREE = "1_3"
    ONE_TO_FIVE = "1_5"
    POINTS = "points"


SCALE_LABELS = {
    Scale.YES_NO: _l("Yes / no"),
    Scale.ONE_TO_THREE: _l("1 to 3"),
    Scale.ONE_TO_FIVE: _l("1 to 5"),
    Scale.POINTS: _l("Points"),
}


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


class DisputeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


DISPUTE_LABELS = {
    DisputeStatus.OPEN: _l("Open"),
    DisputeStatus.ACCEPTED: _l("Accepted"),
    DisputeStatus.REJECTED: _l("Rejected"),
}


class Scorecard(db.Model):
    """A named scorecard; its content lives in versions, the newest of which is in use."""

    __tablename__ = "qa_scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: inactive scorecards are kept for their reviews but no longer used for new ones
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ScorecardVersion]] = relationship(
        back_populates="scorecard", order_by="ScorecardVersion.version", lazy="selectin"
    )

    @property
    def current(self) -> ScorecardVersion:
        return self.versions[-1]


class ScorecardVersion(db.Model):
    """The content of a scorecard at one time. A version that has reviews is never changed;
    editing the scorecard then makes the next version."""

    __tablename__ = "qa_scorecard_versions"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "version"),
        CheckConstraint(column("style").in_([s.value for s in Style]), name="style_known"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id"))
    version: Mapped[int] = mapped_column(Integer)
    style: Mapped[str] = mapped_column(String(10))
    #: a review passes with a final score at or above this
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("80"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None for the default scorecard the migration installed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scorecard: Mapped[Scorecard] = relationship(back_populates="versions", lazy="joined")
    criteria: Mapped[list[Criterion]] = relationship(
        order_by="Criterion.position", lazy="selectin", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    """One line of a scorecard. ``code`` stays the same across versions, so reports and
    training rules follow a criterion through edits."""

    __tablename__ = "qa_criteria"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint(column("scale").in_([s.value for s in Scale]), name="scale_known"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint(
            "(scale = 'points' AND max_points > 0) OR (scale <> 'points' AND max_points IS NULL)",
            name="max_points_for_points_scale",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecard_versions.id"))
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    #: what the reviewer checks (评估标准)
    definition: Mapped[str] = mapped_column(Text)
    examples: Mapped[str | None] = mapped_column(Text)
    #: weighted style: the criterion's weight; deduction style: the points a full fault costs
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    scale: Mapped[str] = mapped_column(String(10))
    #: the top of a points scale
    max_points: Mapped[int | None] = mapped_column(Integer)
    allow_na: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 一票否决: failing it makes the review's final score 0
    critical: Mapped[bool] = mapped_column(Boolean, default=False)


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


class QuarterlyReport(db.Model):
    """The quarterly service-quality report as the scheduler prepared it, kept unchanged."""

    __tablename__ = "qa_quarterly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "2026Q3"
    quarter: Mapped[str] = mapped_column(String(6), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
