"""Customers, their phone numbers, purchases and feedback (imports: ``import_models.py``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.database import UTCDateTime, utcnow
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class Tier(StrEnum):
    NORMAL = "normal"
    VIP = "vip"
    KEY = "key"


TIER_LABELS = {Tier.NORMAL: _l("Normal"), Tier.VIP: _l("VIP"), Tier.KEY: _l("Key account")}


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(column("tier").in_([t.value for t in Tier]), name="tier_known"),
        Index("ix_customers_owner_id", "owner_id"),
        Index("ix_customers_name", "name"),
        Index("ix_customers_email", "email"),
        Index("ix_customers_last_contact_at", "last_contact_at"),
        Index("ix_customers_tier_region", "tier", "region"),
        Index("ix_customers_import_batch_id", "import_batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: person's name as they give it (张三, Li Wei)
    name: Mapped[str] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(200))
    #: lower-cased
    email: Mapped[str | None] = mapped_column(String(254))
    #: province or city (华东, 上海)
    region: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(50))
    #: one of Tier; key accounts get periodic callbacks
    tier: Mapped[str] = mapped_column(String(10), default=Tier.NORMAL.value)
    #: free labels, lower-cased, e.g. ["经销商", "vip2025"]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the agent who looks after this customer
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    #: name, company, e-mail, phone digits, pinyin and initials, lower-cased: what search reads
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: the one- and two-character pieces of search_text, for fragments too short for trigrams
    search_grams: Mapped[str] = mapped_column(Text, default="")
    #: when the newest interaction happened; kept by interactions.services
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: bumped on every update; a stale version means someone else saved first
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: set by a soft delete; deleted customers are hidden but nothing is lost
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: after a merge, the customer that absorbed this one
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    #: the import that created this customer, so the import can be undone
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    phones: Mapped[list[CustomerPhone]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        order_by="(CustomerPhone.is_primary.desc(), CustomerPhone.id)",
        lazy="selectin",
    )
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def primary_phone(self) -> str | None:
        return self.phones[0].number if self.phones else None


class CustomerPhone(db.Model):
    __tablename__ = "customer_phones"
    __table_args__ = (
        UniqueConstraint("customer_id", "number"),
        Index("ix_customer_phones_number", "number"),
        Index("ix_customer_phones_digits_reversed", "digits_reversed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: E.164, e.g. +8613800138000
    number: Mapped[str] = mapped_column(String(20))
    #: the E.164 digits backwards, so "ends with 8000" is an index range scan
    digits_reversed: Mapped[str] = mapped_column(String(20))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="phones")


class Purchase(db.Model):
    """A purchase record (购买记录)."""

    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_purchases_customer_timeline", "customer_id", "purchased_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    product: Mapped[str] = mapped_column(String(200))
    #: in yuan (CNY)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    order_number: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Feedback(db.Model):
    """Feedback (反馈信息) the customer gave: praise, suggestions, complaints in their words."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        Index("ix_feedback_customer_timeline", "customer_id", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content: Mapped[str] = mapped_column(Text)
    #: 1 (very unhappy) to 5 (very happy), when the customer gave one
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SavedFilter(db.Model):
    """A named set of list filters that one user keeps."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(60))
    #: the list's query string parameters
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomerMerge(db.Model):
    """What one merge did, so that it can be undone exactly: the kept customer's values before,
    the numbers and the rows that moved."""

    __tablename__ = "customer_merges"
    __table_args__ = (
        Index("ix_customer_merges_target_id", "target_id"),
        Index("ix_customer_merges_source_id", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the customer retired by the merge
    source_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: the customer kept
    target_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the kept customer's profile fields before and right after the merge:
    #: {field: [before, after]}, phones included as lists of numbers
    fields: Mapped[dict[str, list[object]]] = mapped_column(JSON, default=dict)
    #: the kept customer's version right after the merge; another one means it was edited since
    target_version: Mapped[int] = mapped_column(Integer)
    #: the retired customer's numbers in their order (primary first), as it had them
    source_phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the ids of the rows moved, by merge provider name: {"interactions": [3, 9], ...}
    moved_rows: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    source: Mapped[Customer] = relationship(foreign_keys=[source_id])
    target: Mapped[Customer] = relationship(foreign_keys=[target_id])
    actor: Mapped[User] = relationship(foreign_keys=[actor_id])
