"""Notifications shown under the bell, and e-mailed when SMTP is configured."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # One notice per person, kind, subject and period: a repeated job run adds nothing.
        UniqueConstraint("user_id", "kind", "subject_type", "subject_id", "period"),
        Index(
            "ix_notifications_unread",
            "user_id",
            "created_at",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        # The list shows a person's notices newest first, the folded ones inside their digest.
        Index(
            "ix_notifications_listed",
            "user_id",
            "created_at",
            "id",
            sqlite_where=text("digest_id IS NULL"),
            postgresql_where=text("digest_id IS NULL"),
        ),
        Index("ix_notifications_digest_id", "digest_id"),
        Index(
            "ix_notifications_unsent",
            "id",
            sqlite_where=text("email_claimed_at IS NULL"),
            postgresql_where=text("email_claimed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: what happened, e.g. "callback.due"; notifications.services knows how to word each kind
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    #: the window the notice is for, when a kind may come again about the same subject (e.g.
    #: "2026-12-02" for a daily reminder); "" for a notice given once per subject
    period: Mapped[str] = mapped_column(String(20), default="", server_default="")
    #: facts for the wording (customer name, due date, ...)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set by the one e-mail job run that sends it; when e-mail is off, set without sending
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the digest this notice was folded into (many of one kind in one run): it is then read
    #: and e-mailed through the digest, and listed only inside it
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))


class EmailMode(StrEnum):
    OFF = "off"
    IMMEDIATE = "immediate"
    DAILY = "daily"


class NotificationSetting(db.Model):
    """How one person wants one kind of notice; without a row: in the app and e-mailed at once."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        CheckConstraint(column("email").in_([m.value for m in EmailMode]), name="email_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    #: shown under the bell and in the list
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    #: an EmailMode
    email: Mapped[str] = mapped_column(String(10), default=EmailMode.IMMEDIATE.value)


class EmailDigest(db.Model):
    """The daily digest e-mail of one person and day: the UNIQUE key lets one scheduler run,
    in one process, send it."""

    __tablename__ = "notification_email_digests"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the person's calendar day (in their zone) the digest is for
    day: Mapped[date] = mapped_column(Date)
    #: when the run that sends it claimed it; the next digest covers notices from here on
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
