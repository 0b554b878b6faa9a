"""Value scores and segments: each customer's scores, the monthly segments, the segment rules,
the settings and the runs that computed them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class CustomerValue(db.Model):
    """A customer's RFM scores and segment as the scheduler last computed them."""

    __tablename__ = "customer_values"
    __table_args__ = (Index("ix_customer_values_segment", "segment"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    #: days from the last purchase to the computation
    recency_days: Mapped[int] = mapped_column(Integer)
    #: purchases within the window
    frequency: Mapped[int] = mapped_column(Integer)
    #: yuan spent within the window
    monetary: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    r_score: Mapped[int] = mapped_column(SmallInteger)
    f_score: Mapped[int] = mapped_column(SmallInteger)
    m_score: Mapped[int] = mapped_column(SmallInteger)
    #: the code of the first SegmentRule that matches
    segment: Mapped[str] = mapped_column(String(30))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SegmentMonth(db.Model):
    """The segment a customer ended each month in: the trend and the month-to-month movement."""

    __tablename__ = "segment_months"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    #: the first day of the month
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    segment: Mapped[str] = mapped_column(String(30))


class SegmentRule(db.Model):
    """A named segment: the score ranges it takes; rules are tried by position."""

    __tablename__ = "segment_rules"
    __table_args__ = tuple(
        CheckConstraint(f"{c}_min BETWEEN 1 AND 5 AND {c}_max BETWEEN {c}_min AND 5", name=c)
        for c in ("r", "f", "m")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable key, e.g. "important_value"
    code: Mapped[str] = mapped_column(String(30), unique=True)
    #: what people call it (重要价值)
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(SmallInteger)
    r_min: Mapped[int] = mapped_column(SmallInteger, default=1)
    r_max: Mapped[int] = mapped_column(SmallInteger, default=5)
    f_min: Mapped[int] = mapped_column(SmallInteger, default=1)
    f_max: Mapped[int] = mapped_column(SmallInteger, default=5)
    m_min: Mapped[int] = mapped_column(SmallInteger, default=1)
    m_max: Mapped[int] = mapped_column(SmallInteger, default=5)


class ValueSetting(db.Model):
    """Editable settings of this domain (RFM thresholds, retention periods), by key."""

    __tablename__ = "value_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ValueRun(db.Model):
    """One nightly computation of the segments: the key that makes it once a day."""

    __tablename__ = "value_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "rfm:2026-12-03" and the like
    key: Mapped[str] = mapped_column(String(60), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
