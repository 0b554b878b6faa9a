"""Improvement actions (the PDCA cycle) and the service plan (服务计划) with its versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class ActionSource(StrEnum):
    KPI = "kpi"
    QA_CRITERION = "qa_criterion"
    QUARTERLY_REPORT = "quarterly_report"
    COMPLAINT_CAUSE = "complaint_cause"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    #: the owner recorded the outcome
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value)


class ImprovementAction(db.Model):
    """One improvement promised against a KPI or a finding: what, who, by when, and how far
    the KPI should move. Judged Plan → Do → Check → Act on the KPI before and after."""

    __tablename__ = "improvement_actions"
    __table_args__ = (
        CheckConstraint(column("source").in_([s.value for s in ActionSource]), name="source_known"),
        CheckConstraint(column("status").in_([s.value for s in ActionStatus]), name="status_known"),
        CheckConstraint("due_date > start_date", name="due_after_start"),
        CheckConstraint("length(trim(title)) > 0", name="title_given"),
        # The KPI tile and drill-down ask for a KPI's open actions.
        Index(
            "ix_improvement_actions_open_kpi",
            "kpi_key",
            sqlite_where=text("status IN ('planned', 'in_progress')"),
            postgresql_where=text("status IN ('planned', 'in_progress')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what will be done
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    #: an ActionSource: what the action answers
    source: Mapped[str] = mapped_column(String(20))
    #: the finding it answers, e.g. a criterion code, "2026Q3", a complaint cause
    source_ref: Mapped[str] = mapped_column(String(200), default="")
    #: the KPI it should move (crm.reports.scope.KPI_KEYS); None for a free-standing action
    kpi_key: Mapped[str | None] = mapped_column(String(40))
    #: by how much, in the KPI's display unit (percentage points, minutes, hours), signed
    expected_change: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the day work starts (local); the "after" window runs from here to the due date
    start_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.PLANNED.value)
    #: what the owner reports at the due date, and the decision (keep, adjust, drop)
    outcome: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    comments: Mapped[list[ActionComment]] = relationship(
        order_by="ActionComment.at", lazy="selectin"
    )


class ActionComment(db.Model):
    __tablename__ = "improvement_action_comments"
    __table_args__ = (CheckConstraint("length(trim(body)) > 0", name="body_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("improvement_actions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class ServicePlan(db.Model):
    """The service plan of a year ("2026") or a quarter ("2026Q3"); its content is in versions."""

    __tablename__ = "service_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(6), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    versions: Mapped[list[PlanVersion]] = relationship(
        order_by="PlanVersion.number", lazy="selectin"
    )

    @property
    def latest(self) -> PlanVersion:
        return self.versions[-1]

    @property
    def approved(self) -> PlanVersion | None:
        done = [v for v in self.versions if v.status == "approved"]
        return done[-1] if done else None


class PlanVersion(db.Model):
    """One version of a plan: narratives per section, the supervisor's budget lines and the
    figures computed when it was generated. An approved version is never changed; editing the
    plan afterwards starts the next version."""

    __tablename__ = "service_plan_versions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint(column("status").in_(["draft", "approved"]), name="status_known"),
        # At most one draft per plan, whatever races.
        Index(
            "ix_service_plan_versions_one_draft",
            "plan_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: section key -> the supervisor's text
    narratives: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: [{"item": str, "amount": str (decimal), "note": str}]
    budget: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: every figure of the plan, computed at generation (crm.plans.compose); frozen once approved
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
