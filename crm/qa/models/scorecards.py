"""Versioned QA scorecards and their criteria."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


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
