"""The care calendar: each occasion becomes one care task for the customer's owner, in the
owner's worklist, exactly once however often and in however many processes the scheduler runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.callbacks.models import CallbackTask
from crm.callbacks.queries import worklist
from crm.customers.models import Purchase
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.timezones import department_today, department_zone, local_day_start_utc
from crm.value.care import make_care_tasks, set_care_date
from crm.value.models import CarePlan
from tests.factories import make_customer, make_user

ROOT = Path(__file__).resolve().parents[2]

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


def _occasions(app):
    """Customers owned by an agent with one occasion of each kind due today (department day)."""
    with app.app_context():
        owner = make_user(username="owner", roles=["agent"])
        boss = make_user(roles=["supervisor"])
        today = department_today(utcnow())
        birthday = make_customer(actor=boss, name="寿星", owner_id=owner.id)
        set_care_date(
            actor=boss,
            customer=birthday,
            kind="birthday",
            on_date=today.replace(year=today.year - 30)
            if not (today.month == 2 and today.day == 29)
            else date(1992, 2, 29),
        )
        warranty = make_customer(actor=boss, name="保修", owner_id=owner.id)
        set_care_date(
            actor=boss, customer=warranty, kind="warranty", on_date=today + timedelta(days=14)
        )
        contract = make_customer(actor=boss, name="合同", owner_id=owner.id)
        set_care_date(
            actor=boss, customer=contract, kind="contract", on_date=today + timedelta(days=30)
        )
        regular = make_customer(actor=boss, name="老主顾", owner_id=owner.id)
        # Every 20 days, the last 30 days ago: 1.5 × 20 = 30, due today; and the first purchase
        # was a year ago today: an anniversary too.
        first = (
            today.replace(year=today.year - 1)
            if not (today.month == 2 and today.day == 29)
            else today - timedelta(days=365)
        )
        days = [first] + [today - timedelta(days=30 + 20 * n) for n in range(3)]
        for day in days:
            db.session.add(
                Purchase(
                    customer_id=regular.id,
                    product="滤芯",
                    amount=Decimal(199),
                    purchased_at=local_day_start_utc(day, department_zone()) + timedelta(hours=10),
                )
            )
        unowned = make_customer(actor=boss, name="无人负责")
        set_care_date(
            actor=boss, customer=unowned, kind="warranty", on_date=today + timedelta(days=14)
        )
        db.session.commit()
        return owner.id, today


def test_each_kind_of_occasion_makes_one_task_in_the_owners_worklist(app) -> None:
    owner_id, today = _occasions(app)
    with app.app_context():
        assert make_care_tasks(utcnow()) == 5
        assert make_care_tasks(utcnow()) == 0
        tasks = db.session.scalars(select(CallbackTask)).all()
        assert {task.due_date for task in tasks} == {today}
        assert {task.assignee_id for task in tasks} == {owner_id}
        purposes = sorted(task.plan.purpose for task in tasks)
        assert purposes == sorted(
            f"客户关怀: {kind}" for kind in ("生日", "保修到期", "合同到期", "购买周年", "该回购了")
        )
        from crm.auth.models import User

        listed = worklist(db.session.get(User, owner_id), today)
        assert len(listed.today.tasks) == 5


def test_care_dates_are_checked(ctx) -> None:
    agent = make_user(roles=["agent"])
    customer = make_customer(actor=agent)
    with pytest.raises(DomainError):
        set_care_date(actor=agent, customer=customer, kind="birthday", on_date=date(2999, 1, 1))
    with pytest.raises(DomainError):
        set_care_date(actor=agent, customer=customer, kind="lapsed", on_date=date(2020, 1, 1))
    with pytest.raises(PermissionDenied):
        set_care_date(
            actor=make_user(roles=["trainer"]),
            customer=customer,
            kind="birthday",
            on_date=date(1990, 1, 1),
        )


def _start(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script and test arguments
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _scheduler_once(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--once"],
        cwd=ROOT,
        env={**os.environ, "CRM_ENV": "testing", "CRM_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_care_task_is_made_once_per_occasion_across_restarts_and_two_processes(
    app, database_url, tmp_path
) -> None:
    _occasions(app)
    # Two real processes running every job at the same moment...
    go = tmp_path / "go"
    runners = [_start(RUN_TOGETHER, database_url, go) for _ in range(2)]
    time.sleep(2)
    go.touch()
    for runner in runners:
        _out, err = runner.communicate(timeout=300)
        assert runner.returncode == 0, err
    # ... then the scheduler started again, twice.
    for _ in range(2):
        done = _scheduler_once(database_url)
        assert done.returncode == 0, done.stderr
    with app.app_context():
        tasks = Counter(
            tuple(row)
            for row in db.session.execute(select(CallbackTask.plan_id, CallbackTask.due_date))
        )
        plans = Counter(
            tuple(row) for row in db.session.execute(select(CarePlan.customer_id, CarePlan.kind))
        )
    assert len(tasks) == 5 and set(tasks.values()) == {1}
    assert len(plans) == 5 and set(plans.values()) == {1}
