"""Notifications shown under the bell, and e-mailed when SMTP is configured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
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
