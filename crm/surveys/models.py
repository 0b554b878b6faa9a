"""Survey invitations and answers: one per case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.cases.models import Case
from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class Survey(db.Model):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("attitude IS NULL OR attitude BETWEEN 1 AND 5", name="attitude_range"),
        CheckConstraint(
            "efficiency IS NULL OR efficiency BETWEEN 1 AND 5", name="efficiency_range"
        ),
        CheckConstraint(
            "resolution IS NULL OR resolution BETWEEN 1 AND 5", name="resolution_range"
        ),
        CheckConstraint("channel IN ('link', 'phone')", name="channel_known"),
        Index("ix_surveys_customer_answered", "customer_id", "answered_at", "id"),
        Index("ix_surveys_sent_at", "sent_at"),
        Index(
            "ix_surveys_token_hash",
            "token_hash",
            unique=True,
            sqlite_where=text("token_hash IS NOT NULL"),
            postgresql_where=text("token_hash IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one survey per case
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: SHA-256 of the link's token; the token itself is shown once and never stored
    token_hash: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "link" (the customer answered online) or "phone" (an agent typed the answers)
    channel: Mapped[str] = mapped_column(String(10), default="link")
    #: 服务态度, 效率, 解决效果: 1 (very poor) to 5 (very good)
    attitude: Mapped[int | None] = mapped_column(SmallInteger)
    efficiency: Mapped[int | None] = mapped_column(SmallInteger)
    resolution: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the complaint case opened because of a low score
    follow_up_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    case: Mapped[Case] = relationship(foreign_keys=[case_id], lazy="joined")

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def ratings(self) -> tuple[int, int, int] | None:
        if not self.answered:
            return None
        return (self.attitude, self.efficiency, self.resolution)
