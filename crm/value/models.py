"""Consent, value scores and segments, care dates, offers and erasures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    column,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class ConsentChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"


CHANNEL_LABELS = {
    ConsentChannel.PHONE: _l("Phone calls"),
    ConsentChannel.SMS: _l("SMS"),
    ConsentChannel.EMAIL: _l("E-mail"),
}


class ConsentSource(StrEnum):
    CALL = "call"
    FORM = "form"
    PAPER = "paper"
    WEB = "web"
    IMPORT = "import"


SOURCE_LABELS = {
    ConsentSource.CALL: _l("Said so on a call"),
    ConsentSource.FORM: _l("Signed form"),
    ConsentSource.PAPER: _l("Letter or paper"),
    ConsentSource.WEB: _l("Web form"),
    ConsentSource.IMPORT: _l("Imported"),
}


class ConsentEvent(db.Model):
    """One grant or withdrawal of marketing consent; never changed, so the history stays. The
    newest event per customer and channel is the consent in force."""

    __tablename__ = "consent_events"
    __table_args__ = (
        CheckConstraint(
            column("channel").in_([c.value for c in ConsentChannel]), name="channel_known"
        ),
        CheckConstraint(
            column("source").in_([s.value for s in ConsentSource]), name="source_known"
        ),
        Index("ix_consent_events_customer", "customer_id", "channel", "given_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: one of ConsentChannel
    channel: Mapped[str] = mapped_column(String(10))
    #: True: consent given; False: withdrawn or refused
    granted: Mapped[bool] = mapped_column(Boolean)
    #: one of ConsentSource: how the customer said it
    source: Mapped[str] = mapped_column(String(10))
    #: the day the customer said it (department calendar)
    given_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


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


class CareKind(StrEnum):
    BIRTHDAY = "birthday"
    ANNIVERSARY = "anniversary"
    WARRANTY = "warranty"
    CONTRACT = "contract"
    LAPSED = "lapsed"


CARE_LABELS = {
    CareKind.BIRTHDAY: _l("Birthday"),
    CareKind.ANNIVERSARY: _l("Purchase anniversary"),
    CareKind.WARRANTY: _l("Warranty expires"),
    CareKind.CONTRACT: _l("Contract expires"),
    CareKind.LAPSED: _l("Due to buy again"),
}

#: kinds a person enters as dates; the others come from the purchases
DATED_KINDS = (CareKind.BIRTHDAY, CareKind.WARRANTY, CareKind.CONTRACT)


class CareDate(db.Model):
    """A date to care about: a birthday (every year) or an expiry (once)."""

    __tablename__ = "care_dates"
    __table_args__ = (
        CheckConstraint(column("kind").in_([k.value for k in DATED_KINDS]), name="kind_known"),
        Index("ix_care_dates_customer_id", "customer_id"),
        UniqueConstraint("customer_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: birthday, warranty or contract
    kind: Mapped[str] = mapped_column(String(12))
    on_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CarePlan(db.Model):
    """The callback plan holding a customer's care tasks of one kind: a care task is a callback
    task (worklist, outcome, retries), due on its occasion, unique per plan and date."""

    __tablename__ = "care_plans"
    __table_args__ = (UniqueConstraint("customer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(12))
    plan_id: Mapped[int] = mapped_column(ForeignKey("callback_plans.id"), unique=True)


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


class Erasure(db.Model):
    """A customer anonymised on their request (PIPL): who did it and when, nothing of them."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: rows changed, per table
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class AuditRedaction(db.Model):
    """An audit entry whose details an erasure scrubbed: a permit for exactly one UPDATE of the
    entry's details, consumed by it (migration 0023's triggers). Append-only itself."""

    __tablename__ = "audit_redactions"

    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entries.id"), primary_key=True)
    erasure_id: Mapped[int] = mapped_column(ForeignKey("erasures.id"), primary_key=True)
    #: set by the trigger when the entry's UPDATE used this permit
    used: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
