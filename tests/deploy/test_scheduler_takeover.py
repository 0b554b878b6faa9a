"""Two real `flask --app wsgi scheduler` services on one database, as on two hosts: one leads,
the other waits and takes over when the leader is killed, and nothing is done twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crm.callbacks.models import CallbackTask
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.models import Notification
from crm.scheduler import PG_LOCK_KEY
from crm.timezones import department_today
from tests.factories import make_customer, make_plan, make_user

ROOT = Path(__file__).resolve().parents[2]
LEADS = "Scheduler started as the leader"
WAITS = "Another scheduler is running; waiting to take over"


class Scheduler:
    def __init__(self, database_url: str, log: Path) -> None:
        self.log = log
        env = {
            **os.environ,
            "CRM_ENV": "testing",
            "CRM_DATABASE_URL": database_url,
            "CRM_ATTACHMENT_DIR": str(log.parent / "attachments"),
            # a standby tries the lock every second instead of every ten
            "CRM_SCHEDULER_LEADER_POLL_SECONDS": "1",
        }
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, line: str, timeout: float = 60) -> float:
        """Seconds until ``line`` is in the log."""
        started = time.monotonic()
        while line not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() - started < timeout, f"no {line!r} in:\n{self.output()}"
            time.sleep(0.1)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def schedulers(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], Scheduler]]:
    started: list[Scheduler] = []

    def start(name: str) -> Scheduler:
        started.append(Scheduler(database_url, tmp_path / f"{name}.log"))
        return started[-1]

    yield start
    for scheduler in started:
        scheduler.stop()


def add_weekly_plans(count: int, first: int = 0) -> None:
    boss = make_user(username=f"boss{first}", roles=["supervisor"])
    agent = make_user(username=f"agent{first}", roles=["agent"], email=f"a{first}@example.cn")
    for number in range(first, first + count):
        make_plan(
            actor=boss,
            customer=make_customer(actor=boss, name=f"重点客户{number}", tier="key"),
            assignee=agent,
            cadence="weekly",
            start_date=department_today(utcnow()) - timedelta(days=14 + number % 5),
        )
    db.session.commit()


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def planned_with_tasks() -> int:
    db.session.rollback()  # see what the schedulers committed since
    return db.session.scalar(select(func.count(func.distinct(CallbackTask.plan_id))))


def test_the_standby_takes_over_when_the_leader_is_killed_and_nothing_runs_twice(
    app, schedulers
) -> None:
    with app.app_context():
        add_weekly_plans(4)
    leader = schedulers("leader")
    leader.wait_for(LEADS)
    with app.app_context():
        wait_until(lambda: planned_with_tasks() == 4)
    standby = schedulers("standby")
    standby.wait_for(WAITS)

    # Work only a leader would do: plans that arrive while the standby waits, the leader dead.
    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait(timeout=30)
    with app.app_context():
        add_weekly_plans(3, first=4)
    assert standby.wait_for(LEADS) < 30
    with app.app_context():
        wait_until(lambda: planned_with_tasks() == 7)
        duplicates = db.session.execute(
            select(CallbackTask.plan_id, CallbackTask.due_date)
            .group_by(CallbackTask.plan_id, CallbackTask.due_date)
            .having(func.count() > 1)
        ).all()
        notices = db.session.scalars(select(Notification)).all()
    assert duplicates == []
    assert notices, "the agents were told of their due callbacks"
    assert len({(n.user_id, n.kind, n.subject_type, n.subject_id) for n in notices}) == len(notices)
    # The standby ran no job while it waited.
    waiting = standby.output().split(LEADS)[0]
    assert "Scheduler job" not in waiting


def test_a_leader_whose_lock_session_ends_stops_leading(app, schedulers, database_url) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the lock's session ending is PostgreSQL's (SQLite: a file lock)")

    def holders() -> list[int]:
        db.session.rollback()
        return list(
            db.session.scalars(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :key"
                    " AND granted"
                ),
                {"key": PG_LOCK_KEY},
            )
        )

    first = schedulers("first")
    first.wait_for(LEADS)
    second = schedulers("second")
    second.wait_for(WAITS)
    with app.app_context():
        [session] = holders()
        # outside a transaction: not cut by idle_in_transaction_session_timeout
        state = db.session.scalar(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": session}
        )
        assert state == "idle"
        # As a database restart or a network cut would end it.
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": session})
        first.wait_for("Scheduler lost its leader lock")
        # One of the two leads again, on a new session, and only one.
        wait_until(lambda: len(holders()) == 1 and holders() != [session])
    assert first.output().count(LEADS) + second.output().count(LEADS) == 2
