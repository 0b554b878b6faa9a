"""The kept quarterly service-quality reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class QuarterlyReport(db.Model):
    """The quarterly service-quality report as the scheduler prepared it, kept unchanged."""

    __tablename__ = "qa_quarterly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "2026Q3"
    quarter: Mapped[str] = mapped_column(String(6), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
