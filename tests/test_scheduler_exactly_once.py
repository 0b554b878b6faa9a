"""Every scheduler job acts exactly once, by a unique key in the database: two real processes
running every job at the same moment, round after round of fresh breaches, record each breach,
make each callback task and send each notice once. ``scheduler --once`` takes the leader lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from crm.callbacks.models import CallbackTask
from crm.cases.models import Case, CaseEvent, SlaBreach
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.models import Notification
from crm.notifications.services import notify
from crm.timezones import department_today
from tests.factories import make_customer, make_plan, make_user

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 5
CASES_PER_ROUND = 6

# Every job once, started together with the other process: both wait for the go file, so
# their first job (the SLA one) reads the same open cases at the same moment.
RUN_TOGETHER = """
import os, sys, time
from config import TestConfig
from crm import create_app
from crm.scheduler import run_all

url, go = sys.argv[1], sys.argv[2]
app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=url))
while not os.path.exists(go):
    time.sleep(0.005)
results = run_all(app)
assert None not in results.values(), results
"""

HOLD_LOCK = """
import sys
from config import TestConfig
from crm import create_app
from crm.scheduler import LeaderLock

app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=sys.argv[1]))
lock = LeaderLock(app)
print("leader" if lock.acquire() else "idle", flush=True)
sys.stdin.readline()
lock.release()
"""


def start(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script and test arguments
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def scheduler_once(database_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--once"],
        cwd=ROOT,
        env={**os.environ, "CRM_ENV": "testing", "CRM_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _late_cases(app, number: int) -> None:
    """Fresh cases opened three days ago: both their clocks ran out long since."""
    with app.app_context():
        agents = [make_user(username=f"r{number}.agent{n}", roles=["agent"]) for n in range(2)]
        customer = make_customer(actor=agents[0], name=f"客户{number}")
        for n in range(CASES_PER_ROUND):
            open_case(
                actor=agents[0],
                customer=customer,
                subject=f"第{number}轮工单{n}",
                category="tech_support",
                now=utcnow() - timedelta(days=3),
                assignee=agents[n % 2],
            )
        boss = make_user(username=f"r{number}.boss", roles=["supervisor"])
        make_plan(
            actor=boss,
            customer=customer,
            assignee=agents[0],
            cadence="weekly",
            start_date=department_today(utcnow()) - timedelta(weeks=2),
        )
        db.session.commit()


def test_two_schedulers_at_once_over_five_rounds_do_everything_exactly_once(
    app, database_url, tmp_path
) -> None:
    for number in range(ROUNDS):
        _late_cases(app, number)
        go = tmp_path / f"go-{number}"
        runners = [start(RUN_TOGETHER, database_url, go) for _ in range(2)]
        time.sleep(2)  # both apps built and waiting
        go.touch()
        for runner in runners:
            _out, err = runner.communicate(timeout=300)
            assert runner.returncode == 0, err
    with app.app_context():
        cases = db.session.scalar(select(func.count()).select_from(Case))
        events = Counter(
            (event.case_id, event.details["clock"])
            for event in db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "breach"))
        )
        breaches = Counter(
            tuple(row) for row in db.session.execute(select(SlaBreach.case_id, SlaBreach.clock))
        )
        tasks = Counter(
            tuple(row)
            for row in db.session.execute(select(CallbackTask.plan_id, CallbackTask.due_date))
        )
        notices = Counter(
            tuple(row)
            for row in db.session.execute(
                select(
                    Notification.user_id,
                    Notification.kind,
                    Notification.subject_type,
                    Notification.subject_id,
                )
            )
        )
        assignees = dict(db.session.execute(select(Case.id, Case.assignee_id)).all())
        supervisors = set(
            db.session.scalars(
                select(Notification.user_id).where(Notification.kind.startswith("case.breach"))
            )
        ) - set(assignees.values())
        flagged = db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.response_breached.is_(True), Case.resolution_breached.is_(True))
        )
    assert cases == ROUNDS * CASES_PER_ROUND
    assert flagged == cases
    assert len(events) == 2 * cases and set(events.values()) == {1}, events
    assert breaches == events
    assert tasks and set(tasks.values()) == {1}
    breach_notices = {key for key in notices if key[1].startswith("case.breach")}
    # the assignee and the supervisors hear of each breach, each of them once
    for case_id, assignee in assignees.items():
        for kind in ("case.breach_response", "case.breach_resolution"):
            assert (assignee, kind, "case", case_id) in breach_notices
            assert any((boss, kind, "case", case_id) in breach_notices for boss in supervisors), (
                case_id,
                kind,
            )
    assert set(notices.values()) == {1}


def test_scheduler_once_waits_for_no_one_and_does_nothing_while_another_leads(
    app, database_url
) -> None:
    _late_cases(app, 0)
    leader = start(HOLD_LOCK, database_url)
    assert leader.stdout.readline().strip() == "leader"
    try:
        once = scheduler_once(database_url)
        out, err = once.communicate(timeout=120)
        assert once.returncode == 0, err
        assert "Another scheduler is running" in out
    finally:
        leader.communicate("release\n", timeout=30)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SlaBreach)) == 0

    # With the lock free, two at once: one runs every job, the other stands aside or finds
    # nothing left to do; either way each breach is recorded once.
    runs = [scheduler_once(database_url) for _ in range(2)]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    with app.app_context():
        breaches = db.session.execute(select(SlaBreach.case_id, SlaBreach.clock)).all()
    assert len(breaches) == len(set(breaches)) == 2 * CASES_PER_ROUND


def test_a_notice_comes_once_per_person_kind_subject_and_period(ctx) -> None:
    user = make_user(username="notified", roles=["agent"])
    notice = {"user_id": user.id, "kind": "case.at_risk", "subject_type": "case", "subject_id": 7}
    assert notify([notice, notice]) == 1
    assert notify([notice]) == 0
    # A kind that may come again names its window: once more per period, never twice in one.
    assert notify([{**notice, "period": "2026-12-02"}, {**notice, "period": "2026-12-02"}]) == 1
    assert notify([{**notice, "period": "2026-12-03"}]) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3
