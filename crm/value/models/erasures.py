"""Erasures of a person's data, and the audit entries redacted for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, false
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


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
