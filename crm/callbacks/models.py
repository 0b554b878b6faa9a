"""Callback plans and the dated tasks the scheduler makes from them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    column,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.customers.models import Customer
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class Cadence(StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    MONTHLY_WORKDAY = "monthly_workday"
    QUARTERLY = "quarterly"


CADENCE_LABELS = {
    Cadence.ONCE: _l("Once"),
    Cadence.WEEKLY: _l("Every N weeks"),
    Cadence.MONTHLY: _l("Monthly on a day"),
    Cadence.MONTHLY_WORKDAY: _l("Monthly on the Nth working day"),
    Cadence.QUARTERLY: _l("Quarterly"),
}

#: day_of_month value meaning "the last day of the month"
LAST_DAY = -1


class TaskStatus(StrEnum):
    DUE = "due"
    DONE = "done"
    MISSED = "missed"
    RESCHEDULED = "rescheduled"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


TASK_STATUS_LABELS = {
    TaskStatus.DUE: _l("Due"),
    TaskStatus.DONE: _l("Done"),
    TaskStatus.MISSED: _l("Not reached"),
    TaskStatus.RESCHEDULED: _l("Rescheduled"),
    TaskStatus.SKIPPED: _l("Skipped"),
    TaskStatus.CANCELLED: _l("Cancelled"),
}


class TaskReason(StrEnum):
    """Why a callback was skipped or moved to another day."""

    CUSTOMER_BUSY = "customer_busy"
    CUSTOMER_AWAY = "customer_away"
    CUSTOMER_ASKED = "customer_asked"
    CONTACTED_OTHERWISE = "contacted_otherwise"
    AGENT_ABSENT = "agent_absent"
    OTHER = "other"


TASK_REASON_LABELS = {
    TaskReason.CUSTOMER_BUSY: _l("Customer busy at the moment"),
    TaskReason.CUSTOMER_AWAY: _l("Customer away (travel, leave)"),
    TaskReason.CUSTOMER_ASKED: _l("Customer asked for another day"),
    TaskReason.CONTACTED_OTHERWISE: _l("Already in contact another way"),
    TaskReason.AGENT_ABSENT: _l("Agent absent"),
    TaskReason.OTHER: _l("Other (say why)"),
}


class CallbackPlan(db.Model):
    __tablename__ = "callback_plans"
    __table_args__ = (
        CheckConstraint(column("cadence").in_([c.value for c in Cadence]), name="cadence_known"),
        CheckConstraint("interval_weeks BETWEEN 1 AND 52", name="interval_range"),
        CheckConstraint(
            "day_of_month IS NULL OR day_of_month = -1 OR day_of_month BETWEEN 1 AND 31",
            name="day_range",
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        Index("ix_callback_plans_customer_id", "customer_id"),
        Index("ix_callback_plans_active_generated", "active", "generated_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: why we call (hear needs and suggestions, renewal, ...)
    purpose: Mapped[str] = mapped_column(String(200))
    #: what the agent says and asks
    script: Mapped[str | None] = mapped_column(Text)
    #: one of Cadence
    cadence: Mapped[str] = mapped_column(String(20))
    #: for WEEKLY: every this many weeks
    interval_weeks: Mapped[int] = mapped_column(SmallInteger, default=1)
    #: for MONTHLY: 1-31 (clamped to short months) or -1 for the last day; for MONTHLY_WORKDAY:
    #: the Nth working day (clamped to the last one)
    day_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: takes the tasks while the assignee is inactive
    fallback_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: tasks exist for every occurrence up to this date (the scheduler moves it forward)
    generated_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(lazy="joined")
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id], lazy="joined")
    fallback: Mapped[User | None] = relationship(foreign_keys=[fallback_id])


class CallbackTask(db.Model):
    """One dated callback. A retry or a reschedule is a new task linked to the one before, so
    the history of attempts stays."""

    __tablename__ = "callback_tasks"
    __table_args__ = (
        UniqueConstraint("plan_id", "due_date"),
        CheckConstraint(column("status").in_([s.value for s in TaskStatus]), name="status_known"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"
        ),
        CheckConstraint(
            or_(column("reason").is_(None), column("reason").in_([r.value for r in TaskReason])),
            name="reason_known",
        ),
        # The worklists and the scheduler read open tasks by date.
        Index(
            "ix_callback_tasks_open_due",
            "assignee_id",
            "due_date",
            sqlite_where=text("status = 'due'"),
            postgresql_where=text("status = 'due'"),
        ),
        Index("ix_callback_tasks_due_date_status", "due_date", "status"),
        Index("ix_callback_tasks_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("callback_plans.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    due_date: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: one of TaskStatus
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.DUE.value)
    #: 0 for the planned call, 1.. for retries after not reaching the customer
    attempt: Mapped[int] = mapped_column(SmallInteger, default=0)
    #: the task this one retries or replaces
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("callback_tasks.id"))
    #: why the call was skipped or rescheduled: one of TaskReason
    reason: Mapped[str | None] = mapped_column(String(20))
    #: the agent's words on the skip or reschedule (required for TaskReason.OTHER)
    note: Mapped[str | None] = mapped_column(String(200))
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    #: the interaction that records the call
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[CallbackPlan] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="joined")
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id], lazy="joined")
