"""Enqueue, claim and work background jobs (ARCHITECTURE example 14).

A job is claimed with a conditional UPDATE (SQLite) or ``FOR UPDATE SKIP LOCKED`` (PostgreSQL),
so two workers never hold one job. The handler commits its work in chunks through
``progress()``, which also beats the heart in the same transaction, and only while the claim is
still its own: a worker that died is noticed by its stale heartbeat, its job claimed again and
resumed by the handler from its own checkpoint, and a worker that merely stalled finds its claim
gone and rolls its chunk back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from crm.auth.models import User
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobState

#: reports (done, total) and commits the work so far; raises JobLost when the claim is gone
Progress = Callable[[int, int], None]
Handler = Callable[[BackgroundJob, Progress], None]
#: a job that kills its worker again and again stops being retried
MAX_ATTEMPTS = 5
#: jobs one scheduler tick works before letting the other jobs run
PER_TICK = 10


class JobLost(RuntimeError):
    """Another worker claimed the job (this one was silent too long): stop, roll back."""


def enqueue(
    *, kind: str, key: str, actor: User, payload: dict[str, Any] | None = None, total: int = 0
) -> BackgroundJob:
    """Queue a job, or return the one already under ``key``: a repeat is a no-op, except that
    repeating a failed request queues it again (its handler resumes where it stopped)."""
    existing = db.session.scalar(select(BackgroundJob).where(BackgroundJob.idempotency_key == key))
    if existing is not None:
        if existing.state == JobState.FAILED:
            existing.state, existing.error, existing.attempts = JobState.QUEUED.value, None, 0
            existing.finished_at = None
        return existing
    job = BackgroundJob(
        kind=kind, idempotency_key=key, actor_id=actor.id, payload=payload or {}, total=total
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        # Another request queued the same key between our look and our insert.
        return db.session.scalars(
            select(BackgroundJob).where(BackgroundJob.idempotency_key == key)
        ).one()
    return job


def _claimable(now: datetime, stale_after: timedelta) -> Any:
    return or_(
        BackgroundJob.state == JobState.QUEUED,
        (BackgroundJob.state == JobState.RUNNING)
        & (BackgroundJob.heartbeat_at < now - stale_after),
    )


def claim(now: datetime, stale_after: timedelta) -> BackgroundJob | None:
    """Take the oldest queued job, or a running one whose worker went silent; None if none."""
    candidates = (
        select(BackgroundJob.id)
        .where(_claimable(now, stale_after))
        .order_by(BackgroundJob.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    job_id = db.session.scalar(candidates)
    if job_id is None:
        return None
    token = uuid.uuid4().hex
    claimed = db.session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, _claimable(now, stale_after))
        .values(
            state=JobState.RUNNING.value,
            claim_token=token,
            heartbeat_at=now,
            attempts=BackgroundJob.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # another worker was quicker
        return None
    job = db.session.get(BackgroundJob, job_id)
    db.session.refresh(job)
    if job.started_at is None:
        job.started_at = now
    return job


def _owned(job: BackgroundJob, token: str, **values: Any) -> None:
    touched = db.session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job.id, BackgroundJob.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if touched.rowcount != 1:
        raise JobLost(f"job {job.id} was claimed by another worker")


def run_claimed(job: BackgroundJob, handler: Handler | None) -> None:
    """Work one claimed job to its end: done, failed with the reason, or given up as lost."""
    token = job.claim_token or ""
    job_id = job.id

    def progress(done: int, total: int) -> None:
        _owned(job, token, done=done, total=total, heartbeat_at=utcnow())
        db.session.commit()

    try:
        if handler is None:
            raise DomainError(f"no handler for jobs of kind {job.kind!r}")
        if job.attempts > MAX_ATTEMPTS:
            raise DomainError(f"given up after {MAX_ATTEMPTS} attempts")
        handler(job, progress)
        _owned(job, token, state=JobState.DONE.value, finished_at=utcnow(), error=None)
        db.session.commit()
    except JobLost:
        db.session.rollback()
        current_app.logger.warning("Job %s was taken over by another worker", job_id)
    except Exception as error:
        db.session.rollback()
        reason = str(error.message) if isinstance(error, DomainError) else repr(error)
        if not isinstance(error, DomainError):
            current_app.logger.exception("Job %s failed", job_id)
        db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id, BackgroundJob.claim_token == token)
            .values(state=JobState.FAILED.value, finished_at=utcnow(), error=reason[:2000])
        )
        db.session.commit()


def work_jobs(now: datetime, *, handlers: Mapping[str, Handler]) -> int:
    """The scheduler's runner: work the queued jobs (and resume abandoned ones) one at a time.

    :returns: how many jobs it worked.
    """
    stale_after = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    worked = 0
    while worked < PER_TICK:
        job = claim(utcnow() if worked else now, stale_after)
        if job is None:
            break
        db.session.commit()  # the claim is visible before the work starts
        run_claimed(job, handlers.get(job.kind))
        worked += 1
    return worked
