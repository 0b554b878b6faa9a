"""The audit log: an append-only record of who did what to which object, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class AuditEntry(db.Model):
    """Rows are only ever inserted; database triggers (see the migration) refuse UPDATE and
    DELETE, so not even a bug in the application can rewrite history."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_actor_id", "actor_id"),
        Index("ix_audit_entries_action", "action"),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the signed-in user who acted; empty for anonymous events such as a failed login
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: one of audit.services.AuditAction
    action: Mapped[str] = mapped_column(String(64))
    #: the kind of object acted on ("user", "customer", ...), empty for events without one
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: what changed, as {"field": [old, new]}, or other facts of the event
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: client address of the request that caused the event, when there was one
    address: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User | None] = relationship(lazy="joined")
