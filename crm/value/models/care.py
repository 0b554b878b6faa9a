"""Care dates (birthdays, warranties, contracts...) and the care plans that call on them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class CareKind(StrEnum):
    BIRTHDAY = "birthday"
    ANNIVERSARY = "anniversary"
    WARRANTY = "warranty"
    CONTRACT = "contract"
    LAPSED = "lapsed"


CARE_LABELS = {
    CareKind.BIRTHDAY: _l("Birthday"),
    CareKind.ANNIVERSARY: _l("Purchase anniversary"),
    CareKind.WARRANTY: _l("Warranty expires"),
    CareKind.CONTRACT: _l("Contract expires"),
    CareKind.LAPSED: _l("Due to buy again"),
}

#: kinds a person enters as dates; the others come from the purchases
DATED_KINDS = (CareKind.BIRTHDAY, CareKind.WARRANTY, CareKind.CONTRACT)


class CareDate(db.Model):
    """A date to care about: a birthday (every year) or an expiry (once)."""

    __tablename__ = "care_dates"
    __table_args__ = (
        CheckConstraint(column("kind").in_([k.value for k in DATED_KINDS]), name="kind_known"),
        Index("ix_care_dates_customer_id", "customer_id"),
        UniqueConstraint("customer_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: birthday, warranty or contract
    kind: Mapped[str] = mapped_column(String(12))
    on_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CarePlan(db.Model):
    """The callback plan holding a customer's care tasks of one kind: a care task is a callback
    task (worklist, outcome, retries), due on its occasion, unique per plan and date."""

    __tablename__ = "care_plans"
    __table_args__ = (UniqueConstraint("customer_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(12))
    plan_id: Mapped[int] = mapped_column(ForeignKey("callback_plans.id"), unique=True)
