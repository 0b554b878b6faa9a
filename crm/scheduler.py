"""The scheduler process: `flask --app wsgi scheduler`, never inside a web worker.

Every job is a database poller that any number of runs can repeat safely: each thing it makes
has a unique key in the database (a breach per case and clock, a notice per person, kind and
subject, a callback task per plan and date) and is inserted with ON CONFLICT DO NOTHING. A
leader lock (a file lock on SQLite, a PostgreSQL advisory lock), taken by `scheduler` and by
`scheduler --once` alike, keeps a second scheduler idle all the same, so work is not done twice
for nothing. Jobs run at start-up, which catches up on anything missed
while the scheduler was down; APScheduler coalesces late runs and never drops one.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import text

from crm.auth.lockout import prune_login_attempts
from crm.backup import daily_backup
from crm.callbacks.jobs import generate_tasks, notify_due, notify_overdue
from crm.cases.jobs import mark_breaches
from crm.channels.calls import link_waiting_calls
from crm.channels.imap import fetch_mail
from crm.channels.outbox import send_outbox
from crm.customers.import_jobs import HANDLERS as IMPORT_HANDLERS
from crm.database import utcnow
from crm.extensions import db
from crm.jobs.services import work_jobs
from crm.notifications.email import send_daily_digests, send_pending_email
from crm.qa.report import prepare_previous_quarter
from crm.reports.monthly import prepare_previous_month
from crm.training.jobs import remind_expiring_certificates

#: an arbitrary constant naming this application's advisory lock in PostgreSQL
PG_LOCK_KEY = 72_277_001


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], int]
    every_seconds: int


JOBS: list[Job] = [
    Job("cases.mark_breaches", mark_breaches, 60),
    Job("callbacks.generate_tasks", generate_tasks, 300),
    Job("callbacks.notify_due", notify_due, 60),
    Job("callbacks.notify_overdue", notify_overdue, 300),
    Job("training.remind_expiring_certificates", remind_expiring_certificates, 3600),
    Job("qa.prepare_quarterly_report", prepare_previous_quarter, 3600),
    Job("reports.prepare_monthly_report", prepare_previous_month, 3600),
    Job("backup.daily", daily_backup, 3600),
    Job("notifications.send_email", send_pending_email, 60),
    Job("channels.send_outbox", send_outbox, 30),
    Job("notifications.send_daily_digests", send_daily_digests, 600),
    Job("auth.prune_login_attempts", prune_login_attempts, 600),
    Job("channels.fetch_mail", fetch_mail, 60),
    Job("channels.link_waiting_calls", link_waiting_calls, 60),
    # Long work people asked for (imports): claimed a job at a time, progress committed as it
    # goes, so this turn may last minutes while the other jobs keep their turns.
    Job("jobs.work", partial(work_jobs, handlers=IMPORT_HANDLERS), 3),
]


def run_job(app: Flask, job: Job, now: datetime | None = None) -> int | None:
    """Run one job in its own transaction. A failure is logged and rolled back; the job runs
    again at its next turn. Returns how many rows it acted on, or None when it failed."""
    with app.app_context():
        try:
            count = job.run(now or utcnow())
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception(
                "Scheduler job %s failed; it runs again at its next turn", job.name
            )
            return None
        if count:
            app.logger.info("Scheduler job %s: %s", job.name, count)
        return count


def run_all(app: Flask, now: datetime | None = None) -> dict[str, int | None]:
    """Every job once, in order (`scheduler --once`, cron, tests)."""
    return {job.name: run_job(app, job, now) for job in JOBS}


def run_once(app: Flask) -> dict[str, int | None] | None:
    """Every job once as the leader (`scheduler --once`, cron): None, doing nothing, while
    another scheduler holds the leader lock. The jobs' unique keys keep a repeat harmless all
    the same; the lock spares the second run the work."""
    lock = LeaderLock(app)
    if not lock.acquire():
        return None
    try:
        return run_all(app)
    finally:
        lock.release()


class LeaderLock:
    """Held by at most one scheduler per database, until its process ends."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._file: IO[str] | None = None
        self._connection: Any = None

    def acquire(self) -> bool:
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                self._connection = engine.connect()
                got = self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY}
                ).scalar()
                if not got:
                    self._connection.close()
                    self._connection = None
                return bool(got)
            database = Path(engine.url.database or "crm.db")
        self._file = open(f"{database}.scheduler-lock", "w")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def serve(app: Flask, *, wait_seconds: int = 10) -> None:
    """Run the jobs forever: wait to become the leader, then run each at its interval."""
    lock = LeaderLock(app)
    while not lock.acquire():
        app.logger.info("Another scheduler is running; waiting to take over")
        time.sleep(wait_seconds)
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    start = datetime.now(UTC)
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            seconds=job.every_seconds,
            args=[app, job],
            id=job.name,
            next_run_time=start,
        )
    app.logger.info("Scheduler started with %d jobs", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
