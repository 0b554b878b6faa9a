"""A background job: one row per piece of long work, claimed and worked by the scheduler."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from crm.database import UTCDateTime, utcnow
from crm.extensions import db


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(db.Model):
    """Long work asked for by a person or a command and done by the scheduler process."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(column("state").in_([s.value for s in JobState]), name="state_known"),
        # The runner's hot predicate: what is waiting, or running with a heartbeat to check.
        Index(
            "ix_jobs_open",
            "id",
            sqlite_where=column("state").in_(["queued", "running"]),
            postgresql_where=column("state").in_(["queued", "running"]),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: which handler works it, e.g. "customers.import_commit"
    kind: Mapped[str] = mapped_column(String(40))
    #: the same request made twice (a double click, a retried command) finds this row
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    #: one of JobState
    state: Mapped[str] = mapped_column(String(10), default=JobState.QUEUED.value)
    #: what the handler needs, e.g. {"batch_id": 7}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: units of work done and to do (rows for an import), for the progress bar
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: how often it was claimed: more than once means a worker died and another resumed it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: a fresh token per claim, so a worker that lost its claim cannot write as the owner
    claim_token: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the worker last reported; a running job silent for too long is claimed again
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)
