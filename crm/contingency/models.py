"""Incidents and their logs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class Incident(db.Model):
    """One stretch of contingency mode, from the admin who declared it to the one who ended it."""

    __tablename__ = "incidents"
    __table_args__ = (
        # At most one incident is in force: the database refuses a second, whatever races.
        Index(
            "ix_incidents_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint(
            "(active AND ended_at IS NULL) OR (NOT active AND ended_at IS NOT NULL)",
            name="ended_when_inactive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: true while contingency mode is on
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: why the clocks stopped, shown in the banner (e.g. 电话系统故障)
    reason: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: open cases whose clocks this incident stopped, and how many it started again
    cases_paused: Mapped[int] = mapped_column(Integer, default=0)
    cases_resumed: Mapped[int] = mapped_column(Integer, default=0)

    entries: Mapped[list[IncidentEntry]] = relationship(
        back_populates="incident", order_by="IncidentEntry.at", lazy="raise"
    )


class IncidentEntry(db.Model):
    """A line of the incident log: the start, each update, the end."""

    __tablename__ = "incident_entries"
    __table_args__ = (CheckConstraint("length(trim(body)) > 0", name="body_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)

    incident: Mapped[Incident] = relationship(back_populates="entries", lazy="raise")
    author: Mapped[User] = relationship(lazy="raise")
