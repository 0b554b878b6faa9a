"""Service targets (服务目标) and the monthly service reports kept as presented."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Numeric, String, column
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class ServiceTarget(db.Model):
    """Where a KPI stood (baseline), where it should be (target), and which way is better.
    Shares are stored as percentages (90 = 90%), times in the KPI's unit (minutes, hours)."""

    __tablename__ = "service_targets"
    __table_args__ = (
        CheckConstraint(column("direction").in_(["higher", "lower"]), name="direction_known"),
        CheckConstraint("target >= 0", name="target_not_negative"),
        CheckConstraint("baseline IS NULL OR baseline >= 0", name="baseline_not_negative"),
        CheckConstraint(
            "scorecard_weight IS NULL OR scorecard_weight >= 0", name="weight_not_negative"
        ),
    )

    #: one of crm.reports.scope.KPI_KEYS
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: None: no baseline measured yet
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    target: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    #: "higher" or "lower" is better
    direction: Mapped[str] = mapped_column(String(6))
    #: weight in the agent scorecard's composite; None: not part of the scorecard
    scorecard_weight: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MonthlyReport(db.Model):
    """The monthly service report (月度服务报告) as the scheduler made it on the first day of
    the next month: the figures a supervisor presented stay the same later."""

    __tablename__ = "monthly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: first day of the month reported
    month: Mapped[date] = mapped_column(Date, unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
