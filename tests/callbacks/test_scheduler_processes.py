"""Real scheduler processes against one database (the SQLite file of the test, or the
PostgreSQL test database): whatever runs at once, each task is made once, each notice is
created once and e-mailed once; and only one of two schedulers leads."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from crm.callbacks.models import CallbackTask
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.kinds import DIGEST
from crm.notifications.models import Notification
from crm.timezones import department_today
from tests.factories import make_customer, make_plan, make_user

ROOT = Path(__file__).resolve().parents[2]
TICKS = 15

RUN_JOBS = """
import sys
from config import TestConfig
from crm import create_app
from crm.scheduler import run_all

url, smtp_port, ticks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = TestConfig(SQLALCHEMY_DATABASE_URI=url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
app = create_app(config)
for _ in range(ticks):
    results = run_all(app)
    assert None not in results.values(), results
"""

# The real scheduler process, made to stop for good just after its first callback task is
# inserted, so that the test kills it in the middle of a run: rows written, nothing committed.
KILLED_MID_RUN = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from config import TestConfig
from crm import create_app
from crm.scheduler import serve

def stop_mid_run(_connection, _cursor, statement, *_args):
    if statement.startswith("INSERT INTO callback_tasks"):
        print("mid-run", flush=True)
        time.sleep(600)

event.listen(Engine, "after_cursor_execute", stop_mid_run)
app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=sys.argv[1]))
serve(app, wait_seconds=1)
"""

HOLD_LOCK = """
import sys
from config import TestConfig
from crm import create_app
from crm.scheduler import LeaderLock

app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=sys.argv[1]))
lock = LeaderLock(app)
print("leader" if lock.acquire() else "idle", flush=True)
sys.stdin.readline()  # hold the lock until the test says so, however slow the machine
lock.release()
"""


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.messages.append(
                (envelope.rcpt_tos[0], envelope.content.decode("utf-8", "replace"))
            )
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def start(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script and test arguments
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def planned(app):
    """Twelve key accounts called weekly since six weeks ago, by two agents."""
    with app.app_context():
        supervisor = make_user(username="boss", roles=["supervisor"], email="boss@example.cn")
        agents = [
            make_user(username=f"agent{n}", roles=["agent"], email=f"agent{n}@example.cn")
            for n in range(2)
        ]
        start_day = department_today(utcnow()) - timedelta(weeks=6)
        for number in range(12):
            customer = make_customer(actor=supervisor, name=f"重点客户{number}", tier="key")
            make_plan(
                actor=supervisor,
                customer=customer,
                assignee=agents[number % 2],
                cadence="weekly",
                start_date=start_day + timedelta(days=number % 5),
            )
        db.session.commit()


def test_two_schedulers_running_together_do_everything_exactly_once(
    app, database_url, planned, smtp_server
) -> None:
    inbox, port = smtp_server
    runners = [start(RUN_JOBS, database_url, port, TICKS) for _ in range(2)]
    for runner in runners:
        _out, err = runner.communicate(timeout=300)
        assert runner.returncode == 0, err
    with app.app_context():
        per_day = db.session.execute(
            select(CallbackTask.plan_id, CallbackTask.due_date, func.count())
            .group_by(CallbackTask.plan_id, CallbackTask.due_date)
            .having(func.count() > 1)
        ).all()
        assert per_day == []
        tasks = db.session.scalar(select(func.count()).select_from(CallbackTask))
        notices = db.session.scalars(select(Notification)).all()
        # one notice per due task; many at once are also folded into a digest notice
        due_notices = [n for n in notices if n.kind == "callback.due" and n.subject_type != DIGEST]
        due_tasks = db.session.scalar(
            select(func.count())
            .select_from(CallbackTask)
            .where(CallbackTask.due_date <= department_today(utcnow()))
        )
    assert tasks >= 12 * 7  # six weeks back and the horizon ahead
    assert len(due_notices) == due_tasks
    assert len({(n.user_id, n.kind, n.subject_type, n.subject_id) for n in notices}) == len(notices)
    # each notice went out by e-mail once, those folded into a digest in the digest's e-mail
    assert len(inbox.messages) == len([n for n in notices if n.digest_id is None])
    assert all(n.emailed_at is not None for n in notices if n.digest_id is None)


def test_a_scheduler_killed_mid_run_loses_and_duplicates_nothing_when_restarted(
    app, database_url, planned, smtp_server
) -> None:
    inbox, port = smtp_server
    killed = start(KILLED_MID_RUN, database_url)
    assert killed.stdout.readline().strip() == "mid-run"
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CallbackTask)) == 0

    # Nothing of the killed run was committed, so the restarted scheduler redoes all of it; a
    # second turn e-mails what the first left beyond the mailer's batch size.
    for _turn in range(2):
        restarted = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--once"],
            cwd=ROOT,
            env={
                **os.environ,
                "CRM_ENV": "testing",
                "CRM_DATABASE_URL": database_url,
                "CRM_SMTP_HOST": "127.0.0.1",
                "CRM_SMTP_PORT": str(port),
            },
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert restarted.returncode == 0, restarted.stderr
        assert "failed" not in restarted.stdout, restarted.stdout
    with app.app_context():
        duplicates = db.session.execute(
            select(CallbackTask.plan_id, CallbackTask.due_date)
            .group_by(CallbackTask.plan_id, CallbackTask.due_date)
            .having(func.count() > 1)
        ).all()
        plans_with_tasks = db.session.scalar(
            select(func.count(func.distinct(CallbackTask.plan_id)))
        )
        tasks = db.session.scalar(select(func.count()).select_from(CallbackTask))
        notices = db.session.scalars(select(Notification)).all()
    assert duplicates == []
    assert plans_with_tasks == 12
    assert tasks >= 12 * 7
    assert notices, "the restarted run notified the agents of their due callbacks"
    assert len(inbox.messages) == len([n for n in notices if n.digest_id is None])
    assert all(n.emailed_at is not None for n in notices if n.digest_id is None)


def test_a_second_scheduler_stays_idle_while_the_first_leads(database_url) -> None:
    first = start(HOLD_LOCK, database_url)
    assert first.stdout.readline().strip() == "leader"
    second = start(HOLD_LOCK, database_url)
    assert second.stdout.readline().strip() == "idle"
    for process in (first, second):
        process.communicate("release\n", timeout=30)
        assert process.returncode == 0
    third = start(HOLD_LOCK, database_url)  # the lock is free again after the leader exits
    assert third.stdout.readline().strip() == "leader"
    third.communicate("release\n", timeout=30)
