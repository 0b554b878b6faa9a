"""Cases (工单), their event history, SLA policies and the holiday calendar."""

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
    Integer,
    String,
    Text,
    UniqueConstraint,
    column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.customers.models import Customer
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Category


class CaseStatus(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


STATUS_LABELS = {
    CaseStatus.NEW: _l("New"),
    CaseStatus.ACCEPTED: _l("Accepted"),
    CaseStatus.IN_PROGRESS: _l("In progress"),
    CaseStatus.WAITING: _l("Waiting on customer"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _l("Closed"),
    CaseStatus.REOPENED: _l("Reopened"),
}
#: statuses in which the case is still being worked
OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING,
    CaseStatus.REOPENED,
)


class CaseOrigin(StrEnum):
    AGENT = "agent"
    EMAIL = "email"
    WEB = "web"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_LABELS = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    Priority.URGENT: _l("Urgent"),
}


class Department(StrEnum):
    SERVICE = "service"
    TECH = "tech_support"
    AFTER_SALES = "after_sales"
    COMPLAINTS = "complaints"


DEPARTMENT_LABELS = {
    Department.SERVICE: _l("Customer service (客服)"),
    Department.TECH: _l("Tech support (技术支持)"),
    Department.AFTER_SALES: _l("After-sales (售后)"),
    Department.COMPLAINTS: _l("Complaint handling (投诉处理)"),
}

#: the categories a case can have: every interaction category but the callback
CASE_CATEGORIES = (
    Category.INQUIRY,
    Category.TECH_SUPPORT,
    Category.AFTER_SALES,
    Category.COMPLAINT,
)


class SlaPolicy(db.Model):
    """Time limits for one category, optionally only for one priority (a priority-specific
    policy wins over the category's general one)."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("category", "priority"),
        CheckConstraint("first_response_minutes > 0", name="response_positive"),
        CheckConstraint("resolution_minutes > 0", name="resolution_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    #: None: any priority
    priority: Mapped[str | None] = mapped_column(String(10))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    #: count only business hours (CRM_BUSINESS_HOURS on working days) instead of every minute
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)


class Holiday(db.Model):
    """A date that differs from the Monday-to-Friday rule: a public holiday (closed) or a
    make-up working day (调休, open on a weekend)."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    #: True for a make-up working day on a weekend
    working: Mapped[bool] = mapped_column(Boolean, default=False)


#: open cases in SQL, word for word as the partial indexes say it: a query that says it so
#: too (not with bound parameters) lets SQLite use them
OPEN_CASE_SQL = "status NOT IN ('resolved', 'closed')"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(column("status").in_([s.value for s in CaseStatus]), name="status_known"),
        CheckConstraint(column("priority").in_([p.value for p in Priority]), name="priority_known"),
        CheckConstraint(
            column("department").in_([d.value for d in Department]), name="department_known"
        ),
        CheckConstraint(
            column("category").in_([c.value for c in CASE_CATEGORIES]), name="category_known"
        ),
        CheckConstraint(column("origin").in_([o.value for o in CaseOrigin]), name="origin_known"),
        CheckConstraint(
            "customer_match IS NULL OR customer_match IN ('none', 'several')",
            name="customer_match_known",
        ),
        Index("ix_cases_customer_id", "customer_id"),
        # QA's risk triggers find the case of each interaction of a period.
        Index("ix_cases_interaction_id", "interaction_id"),
        # Queues read open cases by assignee and by time left.
        Index(
            "ix_cases_open_due",
            "assignee_id",
            "resolution_due_at",
            sqlite_where=text(OPEN_CASE_SQL),
            postgresql_where=text(OPEN_CASE_SQL),
        ),
        # The team queue walks all open cases by time left, a page at a time.
        Index(
            "ix_cases_open_queue",
            "resolution_due_at",
            "id",
            sqlite_where=text(OPEN_CASE_SQL),
            postgresql_where=text(OPEN_CASE_SQL),
        ),
        Index("ix_cases_opened_at", "opened_at"),
        # Every page's "my cases" badge and the supervisor's breach badge count open cases; the
        # flags make it cover the breach count too.
        Index(
            "ix_cases_status_assignee",
            "status",
            "assignee_id",
            "resolution_breached",
            "response_breached",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None while a case that arrived by a channel waits for an agent to say whose it is
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    #: how the case arrived: typed in by an agent, or by e-mail or the contact form
    origin: Mapped[str] = mapped_column(String(10), default=CaseOrigin.AGENT.value)
    #: who wrote in, as they gave it: whom replies go to, and how an agent finds the customer
    requester_name: Mapped[str | None] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(254))
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    #: for a case without customer, why: no customer or several customers have the sender's
    #: address ("none", "several")
    customer_match: Mapped[str | None] = mapped_column(String(10))
    #: SHA-256 of the secret of the customer's status page link (the secret is never stored)
    portal_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    department: Mapped[str] = mapped_column(String(20), default=Department.SERVICE.value)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.NEW.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the interaction the case came from, if any
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    #: for a follow-up (e.g. after a low survey score), the case it follows
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None for a case that arrived by a channel
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the SLA in force, copied at opening so a later policy change does not move old cases
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: while waiting on the customer: since when (the clock is paused)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: breaches stay recorded whatever happens to the case afterwards
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    #: times the case was reopened after being resolved
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    #: closed-loop complaint records (闭环): required before a complaint closes
    root_cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    confirmation_method: Mapped[str | None] = mapped_column(String(100))
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer | None] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(db.Model):
    """One change in a case's life: status, assignee, department, a note. Appended only."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: "opened", "status", "assignee", "department", "note", "breach"
    kind: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship(lazy="joined")


class SlaBreach(db.Model):
    """A missed SLA deadline, once per case and clock: the key that makes the scheduler's SLA
    job and the status changes that notice a late response record each breach exactly once,
    whatever runs at the same time."""

    __tablename__ = "sla_breaches"
    __table_args__ = (
        UniqueConstraint("case_id", "clock"),
        CheckConstraint(column("clock").in_(["first_response", "resolution"]), name="clock_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: "first_response" or "resolution"
    clock: Mapped[str] = mapped_column(String(20))
    #: the deadline that was missed
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the breach was noticed
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DepartmentSupervisor(db.Model):
    """A supervisor who hears about the cases of a department (transfers in, at-risk, breach
    and low-score alerts). A department with none falls back to every active supervisor."""

    __tablename__ = "department_supervisors"
    __table_args__ = (
        CheckConstraint(
            column("department").in_([d.value for d in Department]), name="department_known"
        ),
    )

    department: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
