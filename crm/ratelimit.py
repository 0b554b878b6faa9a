"""A rate limit shared by every worker and host: events counted in the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime
from crm.extensions import db


class RateEvent(db.Model):
    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what is limited and for whom, e.g. "survey:203.0.113.9"
    key: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


def allow(key: str, *, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one event for ``key`` and say whether it is within ``limit`` per ``window``.
    Old events of the key are dropped on the way."""
    since = now - window
    db.session.execute(delete(RateEvent).where(RateEvent.key == key, RateEvent.at < since))
    recent = db.session.scalar(
        select(func.count())
        .select_from(RateEvent)
        .where(RateEvent.key == key, RateEvent.at >= since)
    )
    if recent >= limit:
        return False
    db.session.add(RateEvent(key=key[:100], at=now))
    db.session.flush()
    return True
