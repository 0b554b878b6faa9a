"""A customer's consent to be contacted, channel by channel, as a log of events."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, column
from sqlalchemy.orm import Mapped, mapped_column

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
