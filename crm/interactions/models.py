"""Interactions: the record of every contact with a customer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    column,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    VISIT = "visit"
    #: the contact form on the company's site
    WEB = "web"
    OTHER = "other"


class Category(StrEnum):
    INQUIRY = "inquiry"
    TECH_SUPPORT = "tech_support"
    AFTER_SALES = "after_sales"
    COMPLAINT = "complaint"
    CALLBACK = "callback"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone"),
    Channel.EMAIL: _l("E-mail"),
    Channel.CHAT: _l("Online chat"),
    Channel.VISIT: _l("Visit"),
    Channel.WEB: _l("Contact form"),
    Channel.OTHER: _l("Other"),
}
CATEGORY_LABELS = {
    Category.INQUIRY: _l("Inquiry"),
    Category.TECH_SUPPORT: _l("Tech support"),
    Category.AFTER_SALES: _l("After-sales"),
    Category.COMPLAINT: _l("Complaint"),
    Category.CALLBACK: _l("Callback"),
}
DIRECTION_LABELS = {Direction.INBOUND: _l("Inbound"), Direction.OUTBOUND: _l("Outbound")}


class Interaction(db.Model):
    """Appended, never edited away: a correction is an audited edit, and a deletion (supervisors
    only) is a soft delete with a reason."""

    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(column("channel").in_([c.value for c in Channel]), name="channel_known"),
        CheckConstraint(column("category").in_([c.value for c in Category]), name="category_known"),
        CheckConstraint(
            column("direction").in_([d.value for d in Direction]), name="direction_known"
        ),
        # The customer page reads a customer's live entries newest first, by keyset.
        Index(
            "ix_interactions_customer_timeline",
            "customer_id",
            "occurred_at",
            "id",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_interactions_agent_occurred", "agent_id", "occurred_at"),
        CheckConstraint(
            "duration_seconds IS NULL OR duration_seconds >= 0", name="duration_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: the agent who had the contact
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    #: one line for the timeline
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text)
    #: what came of it (resolved, promised a call back, ...)
    outcome: Mapped[str | None] = mapped_column(String(200))
    #: whether the customer was reached; an attempt that was not (no answer, phone off) is kept
    #: in the history but is not a contact (最近联系 counts reached contacts only)
    reached: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: for calls logged by the phone system: how long the call took
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    #: where the phone system keeps the recording (沟通记录可追溯)
    recording_ref: Mapped[str | None] = mapped_column(String(300))
    #: when the contact happened (may be earlier than when it was logged)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delete_reason: Mapped[str | None] = mapped_column(String(200))

    agent: Mapped[User] = relationship(foreign_keys=[agent_id], lazy="joined")
