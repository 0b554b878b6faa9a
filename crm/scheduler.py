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

import contextlib
import fcntl
import os
import threading
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
from sqlalchemy.exc import SQLAlchemyError

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
from crm.knowledge.stale import notify_stale_articles
from crm.metrics import LEADER_APPLICATION_NAME
from crm.notifications.email import send_daily_digests, send_pending_email
from crm.plans.actions import ask_for_outcomes
from crm.qa.report import prepare_previous_quarter
from crm.reports.monthly import prepare_previous_month
from crm.training.jobs import remind_expiring_certificates
from crm.value.care import make_care_tasks
from crm.value.offers import assign_offers
from crm.value.retention import enforce_retention
from crm.value.rfm import nightly_segments

#: an arbitrary constant naming this application's advisory lock in PostgreSQL
PG_LOCK_KEY = 72_277_001
#: for the lock's session: the server gives up on a silent leader after 10 s idle and three
#: unanswered probes 5 s apart, or 30 s of unacknowledged data
PG_DEAD_PEER_SETTINGS = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET tcp_user_timeout = 30000",
)


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
    Job("knowledge.notify_stale_articles", notify_stale_articles, 3600),
    Job("qa.prepare_quarterly_report", prepare_previous_quarter, 3600),
    Job("reports.prepare_monthly_report", prepare_previous_month, 3600),
    Job("plans.ask_for_outcomes", ask_for_outcomes, 3600),
    Job("backup.daily", daily_backup, 3600),
    Job("notifications.send_email", send_pending_email, 60),
    Job("channels.send_outbox", send_outbox, 30),
    Job("notifications.send_daily_digests", send_daily_digests, 600),
    Job("auth.prune_login_attempts", prune_login_attempts, 600),
    Job("channels.fetch_mail", fetch_mail, 60),
    Job("channels.link_waiting_calls", link_waiting_calls, 60),
    Job("value.nightly_segments", nightly_segments, 3600),
    Job("value.enforce_retention", enforce_retention, 3600),
    Job("value.make_care_tasks", make_care_tasks, 3600),
    Job("value.assign_offers", assign_offers, 3600),
    # Long work people asked for (imports): claimed a job at a time, progress committed as it
    # goes, so this turn may last minutes while the other jobs keep their turns.
    Job("jobs.work", partial(work_jobs, handlers=IMPORT_HANDLERS), 3),
]


#: SQLite has one writer at a time, and a job whose read snapshot another job's commit has
#: overtaken fails at once ("database is locked": busy_timeout cannot help it), so on SQLite
#: the scheduler's jobs take turns; on PostgreSQL they run side by side.
_SQLITE_TURNS = threading.Lock()


def run_job(app: Flask, job: Job, now: datetime | None = None) -> int | None:
    """Run one job in its own transaction. A failure is logged and rolled back; the job runs
    again at its next turn. Returns how many rows it acted on, or None when it failed."""
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        try:
            with _SQLITE_TURNS if sqlite else contextlib.nullcontext():
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
                # Outside any transaction: an advisory lock is the session's, and a session
                # left idle in a transaction for days would be killed by a DBA's
                # idle_in_transaction_session_timeout, or hold back VACUUM.
                self._connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                # The server drops the session of a leader whose host died (power, network)
                # after about 30 s instead of the system's default two hours, freeing the lock
                # for a standby on another host.
                for setting in PG_DEAD_PEER_SETTINGS:
                    self._connection.execute(text(setting))
                got = self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY}
                ).scalar()
                if not got:
                    self._connection.close()
                    self._connection = None
                    return False
                # /metrics finds the leader's session by this name; its last statement (the
                # check in held(), every poll) is the scheduler's heartbeat.
                self._connection.execute(
                    text("SELECT set_config('application_name', :name, false)"),
                    {"name": LEADER_APPLICATION_NAME},
                )
                return True
            database = Path(engine.url.database or "crm.db")
        self._file = open(f"{database}.scheduler-lock", "w")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def held(self) -> bool:
        """Whether the lock is still ours. On PostgreSQL the session holding it can end under us
        (a database restart, a network cut, pg_terminate_backend); a standby may lead by then."""
        if self._connection is None:
            return self._file is not None
        try:
            return bool(
                self._connection.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND objid = :key AND pid = pg_backend_pid() AND granted"
                    ),
                    {"key": PG_LOCK_KEY},
                ).scalar()
            )
        except SQLAlchemyError:
            return False

    def beat(self) -> None:
        """Mark the leader alive for /metrics: on SQLite the lock file's time (on PostgreSQL
        held() is the mark)."""
        if self._file is not None:
            os.utime(self._file.name)

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):  # a lost session holds nothing to free
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY}
                )
            with contextlib.suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def serve(app: Flask, *, wait_seconds: int | None = None) -> None:
    """Run the jobs forever: wait as a standby until the leader lock is free, lead, and go back
    to waiting should the lock be lost. ``wait_seconds`` (default
    ``SCHEDULER_LEADER_POLL_SECONDS``) is how often a standby tries the lock and the leader
    checks that it still holds it."""
    poll = wait_seconds or app.config["SCHEDULER_LEADER_POLL_SECONDS"]
    lock = LeaderLock(app)
    while True:
        if not lock.acquire():
            app.logger.info("Another scheduler is running; waiting to take over")
            while not lock.acquire():
                time.sleep(poll)
        try:
            if not _lead(app, lock, poll):
                return
        finally:
            lock.release()
        app.logger.error("Scheduler lost its leader lock; waiting to take over again")


def _lead(app: Flask, lock: LeaderLock, poll: int) -> bool:
    """Run the jobs while the lock is held. True when the lock was lost, False when stopped."""
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    lost = threading.Event()

    def check_leadership() -> None:
        lock.beat()
        if not lock.held():
            lost.set()
            scheduler.shutdown(wait=False)

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
    scheduler.add_job(check_leadership, "interval", seconds=poll, id="scheduler.leader_check")
    app.logger.info("Scheduler started as the leader with %d jobs", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        return False
    return lost.is_set()
