"""What arrives and leaves by the channels: a case's conversation (replies, internal notes,
the customer's messages and their attachments), the reply templates, the outbox of e-mails,
the receipts that make every arrival count once, and the phone system's calls."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.cases.models import Case
from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class MessageKind(StrEnum):
    #: from the customer: an e-mail, the contact form, an answer on the status page
    INBOUND = "inbound"
    #: an agent's public reply, sent to the customer
    REPLY = "reply"
    #: an agent's internal note, never shown to the customer
    NOTE = "note"


class MessageChannel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    #: the customer's answer on the case's status page
    PORTAL = "portal"
    #: written in the CRM by an agent
    AGENT = "agent"


class CaseMessage(db.Model):
    """One entry of a case's conversation. Appended only."""

    __tablename__ = "case_messages"
    __table_args__ = (
        CheckConstraint(column("kind").in_([k.value for k in MessageKind]), name="kind_known"),
        CheckConstraint(
            column("channel").in_([c.value for c in MessageChannel]), name="channel_known"
        ),
        Index("ix_case_messages_case_at", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    #: the agent who wrote a reply or note; None for the customer's messages
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who wrote an inbound message, as they gave it
    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_address: Mapped[str | None] = mapped_column(String(254))
    #: the text shown (for e-mail: the new part, quoted history collapsed into ``quoted_text``)
    body_text: Mapped[str] = mapped_column(Text)
    #: an e-mail's HTML part, sanitised by nh3 when it arrived (never marked safe unsanitised)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: the quoted history of an e-mail reply, shown folded
    quoted_text: Mapped[str | None] = mapped_column(Text)
    #: the RFC 5322 Message-ID, inbound or outbound: how replies find their case
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    case: Mapped[Case] = relationship()
    attachments: Mapped[list[CaseAttachment]] = relationship(
        order_by="CaseAttachment.id", viewonly=True
    )


class CaseAttachment(db.Model):
    """A file of a case, stored under the instance folder by its content's hash and served only
    to those who may read the case."""

    __tablename__ = "case_attachments"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_case_attachments_case_id", "case_id"),
        Index("ix_case_attachments_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id"))
    #: the name the sender gave, cleaned of paths and control characters
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    #: hex SHA-256 of the content: the file's name on disk
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReplyTemplate(db.Model):
    """A canned reply; ``{customer_name}`` and ``{case_number}`` are filled in as plain text."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class OutboundKind(StrEnum):
    REPLY = "reply"
    #: "we received your request, case #123"
    ACKNOWLEDGEMENT = "ack"
    SURVEY = "survey"


class OutboundState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    #: given up after the last retry; shown on the case
    FAILED = "failed"


class OutboundMail(db.Model):
    """An e-mail to a customer, queued in the transaction that decided to send it and sent by
    the scheduler's outbox job: claimed by a conditional update, retried with backoff."""

    __tablename__ = "outbound_mails"
    __table_args__ = (
        CheckConstraint(column("kind").in_([k.value for k in OutboundKind]), name="kind_known"),
        CheckConstraint(column("state").in_([s.value for s in OutboundState]), name="state_known"),
        # The outbox job reads what is due.
        Index(
            "ix_outbound_mails_due",
            "next_attempt_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        # Loop protection counts the automatic mails to one address in the last hour.
        Index("ix_outbound_mails_to_created", "to_address", "created_at"),
        Index("ix_outbound_mails_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: the reply this mail carries, with its attachments
    case_message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id"))
    kind: Mapped[str] = mapped_column(String(10))
    #: sent without a person deciding (acknowledgements): what loop protection counts
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    #: the References header: the thread's Message-IDs, space-separated
    references: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=OutboundState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: set while a scheduler sends it; a claim older than the lease is taken over
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundReceipt(db.Model):
    """Every message that arrived by a channel, once: the same Message-ID again is the same
    arrival, and ignored ones (auto-replies, bounces, lists) leave their reason here."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (Index("ix_inbound_receipts_received_at", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "email", "web" or "portal"
    channel: Mapped[str] = mapped_column(String(10))
    #: the Message-ID of an e-mail; a generated key for the other channels
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    #: whether the message opened its case (False: threaded into one, or ignored)
    created: Mapped[bool] = mapped_column(Boolean, default=False)
    #: why nothing was done with it ("auto-reply", "bounce", "list"), else None
    ignored: Mapped[str | None] = mapped_column(String(40))


class CallEventKind(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"
    MISSED = "missed"


class Call(db.Model):
    """One call as the phone system reported it, event by event."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_ringing_at", "ringing_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the phone system's id of the call
    call_id: Mapped[str] = mapped_column(String(100), unique=True)
    from_number: Mapped[str] = mapped_column(String(40))
    to_number: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ringing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    #: the contact logged when the call ended
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    #: the call back owed for a missed call
    callback_task_id: Mapped[int | None] = mapped_column(ForeignKey("callback_tasks.id"))


class CallEvent(db.Model):
    """One event of a call as received: the same (call, event) again is a repeat."""

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("call_id", "event"),
        CheckConstraint(column("event").in_([e.value for e in CallEventKind]), name="event_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
