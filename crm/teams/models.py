"""Teams (班组) inside departments, who belongs to them, and the duty roster (排班)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.cases.models import Department
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class Team(db.Model):
    """A group of agents under one leader, inside one department."""

    __tablename__ = "teams"
    __table_args__ = (
        CheckConstraint(
            column("department").in_([d.value for d in Department]), name="department_known"
        ),
        UniqueConstraint("department", "name", name="uq_teams_department_name"),
        CheckConstraint("qa_quota IS NULL OR qa_quota BETWEEN 0 AND 1000", name="qa_quota_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one of cases.models.Department
    department: Mapped[str] = mapped_column(String(20))
    #: unique inside the department, e.g. 一组
    name: Mapped[str] = mapped_column(String(60))
    #: a supervisor who sees this team's work by default
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: interactions QA samples per member and period (抽查配额); None: the house default
    #: (CRM_QA_QUOTA). New agents keep their own, larger quota.
    qa_quota: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    leader: Mapped[User] = relationship(lazy="joined")
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", lazy="selectin"
    )


class TeamMember(db.Model):
    """An agent in a team; an agent belongs to one team at most."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    #: UNIQUE: one team per agent, so "whose team is this case in" has one answer
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, unique=True)

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class TeamScopeChoice(db.Model):
    """A supervisor's choice to see the whole department rather than their own teams; kept
    per user so the web and the API show the same by default."""

    __tablename__ = "team_scope_choices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: True: the departments they may see; False: only their teams
    whole_department: Mapped[bool] = mapped_column(Boolean, default=False)


class Shift(StrEnum):
    EARLY = "early"
    MIDDLE = "middle"
    LATE = "late"
    REST = "rest"


SHIFT_LABELS = {
    Shift.EARLY: _l("Early shift"),
    Shift.MIDDLE: _l("Middle shift"),
    Shift.LATE: _l("Late shift"),
    Shift.REST: _l("Day off"),
}
#: local start and end (in the department's zone) of each working shift; an end at or before
#: the start is on the next day. The guides' defaults; a row keeps its own instants, so
#: changing these does not rewrite past rosters.
SHIFT_HOURS: dict[str, tuple[time, time]] = {
    Shift.EARLY.value: (time(8, 0), time(16, 0)),
    Shift.MIDDLE.value: (time(12, 0), time(20, 0)),
    Shift.LATE.value: (time(16, 0), time(0, 0)),
}


class RosterEntry(db.Model):
    """One person's shift on one day of the department's calendar."""

    __tablename__ = "roster_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "day", name="uq_roster_entries_user_day"),
        CheckConstraint(column("shift").in_([s.value for s in Shift]), name="shift_known"),
        CheckConstraint(
            "(shift = 'rest') = (starts_at IS NULL AND ends_at IS NULL)", name="rest_has_no_hours"
        ),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Index("ix_roster_entries_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the calendar day in the department's zone (Asia/Shanghai by default)
    day: Mapped[date] = mapped_column(Date)
    #: one of Shift
    shift: Mapped[str] = mapped_column(String(10))
    #: when the shift begins and ends, in UTC; both empty on a day off
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
