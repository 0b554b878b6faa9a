"""Offers: the rules that make them and the offers made to customers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class OfferRule(db.Model):
    """Segment + condition → offer."""

    __tablename__ = "offer_rules"
    __table_args__ = (
        CheckConstraint("control_percent BETWEEN 0 AND 50", name="control_range"),
        CheckConstraint("valid_days BETWEEN 1 AND 366", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    #: the SegmentRule code it is for
    segment: Mapped[str] = mapped_column(String(30))
    #: condition: at least this many days since the last purchase (0: any)
    min_days_since_purchase: Mapped[int] = mapped_column(Integer, default=0)
    #: what the agent offers, in the customer's words
    text: Mapped[str] = mapped_column(String(500))
    #: the voucher code the customer quotes
    code: Mapped[str] = mapped_column(String(40))
    #: how long the offer holds once made; also the window in which a purchase counts
    valid_days: Mapped[int] = mapped_column(SmallInteger, default=30)
    #: share of the segment held out as the control group, in percent
    control_percent: Mapped[int] = mapped_column(SmallInteger, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class OfferStatus(StrEnum):
    PROPOSED = "proposed"
    MADE = "made"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    #: held out: the control group, never offered
    CONTROL = "control"


OFFER_STATUS_LABELS = {
    OfferStatus.PROPOSED: _l("Proposed"),
    OfferStatus.MADE: _l("Made"),
    OfferStatus.ACCEPTED: _l("Accepted"),
    OfferStatus.DECLINED: _l("Declined"),
    OfferStatus.CONTROL: _l("Control group"),
}


class Offer(db.Model):
    """A rule's offer to one customer, or the customer's place in its control group."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("rule_id", "customer_id"),
        CheckConstraint(column("status").in_([s.value for s in OfferStatus]), name="status_known"),
        Index("ix_offers_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("offer_rules.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: one of OfferStatus
    status: Mapped[str] = mapped_column(String(10))
    #: when the customer became eligible (control and offered alike)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the agent made the offer: the offered group's measurement starts here
    made_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    rule: Mapped[OfferRule] = relationship(lazy="joined")
