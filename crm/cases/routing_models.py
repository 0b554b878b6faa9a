"""Who works each department's queue, and how new cases are handed out among them."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, column
from sqlalchemy.orm import Mapped, mapped_column

from crm.cases.models import Department
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class RoutingMode(StrEnum):
    #: each new case to the next agent in turn
    ROUND_ROBIN = "round_robin"
    #: each new case to the agent with the fewest open cases
    LEAST_OPEN = "least_open"
    #: new cases wait in the queue for a supervisor or an agent to take them
    MANUAL = "manual"


MODE_LABELS = {
    RoutingMode.ROUND_ROBIN.value: _l("To each agent in turn"),
    RoutingMode.LEAST_OPEN.value: _l("To the agent with the fewest open cases"),
    RoutingMode.MANUAL.value: _l("Into the queue, taken by hand"),
}


class DepartmentRouting(db.Model):
    """A department's routing setting; a department without a row routes round-robin."""

    __tablename__ = "department_routing"
    __table_args__ = (
        CheckConstraint(
            column("department").in_([d.value for d in Department]), name="department_known"
        ),
        CheckConstraint(column("mode").in_([m.value for m in RoutingMode]), name="mode_known"),
    )

    department: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[str] = mapped_column(String(12), default=RoutingMode.ROUND_ROBIN.value)
    #: the agent who got the previous case, where round-robin goes on from
    last_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DepartmentAgent(db.Model):
    """An agent who works a department's queue and is given its new cases."""

    __tablename__ = "department_agents"
    __table_args__ = (
        CheckConstraint(
            column("department").in_([d.value for d in Department]), name="department_known"
        ),
    )

    department: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
