"""An import's commit as a job in real scheduler processes: the worker is killed in the middle
of a chunk, a second scheduler takes over once the heartbeat is stale and resumes after the
checkpoint, so every row is done exactly once and the undo still restores exactly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from crm.auth.models import User
from crm.customers import import_jobs, import_undo, imports
from crm.customers.import_models import ImportBatch, ImportRow
from crm.customers.models import Customer, CustomerPhone
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from tests.factories import make_customer, make_user

ROOT = Path(__file__).resolve().parents[2]
ROWS = 600

SCHEDULER = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from config import TestConfig
from crm import create_app
from crm.scheduler import serve

url, stop_at = sys.argv[1], int(sys.argv[2])
seen = 0

def stop_mid_chunk(_connection, _cursor, statement, *_args):
    # The third chunk's rows are written but not committed when this worker stops for good.
    global seen
    if stop_at and statement.startswith("INSERT INTO import_rows"):
        seen += 1
        if seen == stop_at:
            print("mid-run", flush=True)
            time.sleep(600)

event.listen(Engine, "after_cursor_execute", stop_mid_chunk)
config = TestConfig(SQLALCHEMY_DATABASE_URI=url, IMPORT_CHUNK_ROWS=100, JOB_STALE_SECONDS=2)
serve(create_app(config), wait_seconds=1)
"""


def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script and test arguments
        [sys.executable, "-c", SCHEDULER, *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def a_file() -> bytes:
    lines = ["姓名,手机,公司"]
    lines.append("张三,13800000000,新公司")  # line 2: updates the customer on file
    lines += [f"客户{n},139{n:08d},某公司" for n in range(1, ROWS - 1)]
    lines.append("重复,13900000001,某公司")  # the last line repeats line 3's phone
    return ("\n".join(lines) + "\n").encode()


def test_a_commit_killed_mid_chunk_resumes_in_another_scheduler_exactly_once(
    app, database_url
) -> None:
    with app.app_context():
        boss = make_user(username="boss", roles=["supervisor"])
        held = make_customer(actor=boss, name="张三", phones=["13800000000"], company="原公司")
        db.session.commit()
        held_id = held.id
        batch, _ = imports.start_import(actor=boss, filename="a.csv", data=a_file())
        imports.dry_run(actor=boss, batch=batch, mapping=batch.mapping, mode="skip_invalid")
        job = import_jobs.queue_commit(actor=boss, batch=batch)
        db.session.commit()
        batch_id, job_id, boss_id = batch.id, job.id, boss.id

    killed = start(database_url, 3)
    second = None
    try:
        assert killed.stdout.readline().strip() == "mid-run"
        second = start(database_url, 0)  # idle: the first one holds the leader lock
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=30)
        with app.app_context():
            # Whole chunks of 100 rows are committed, the one killed mid-way is not.
            assert db.session.get(ImportBatch, batch_id).committed_through in (101, 201)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with app.app_context():
                state = db.session.get(BackgroundJob, job_id).state
            if state in ("done", "failed"):
                break
            time.sleep(0.5)
    finally:
        for process in (killed, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.communicate(timeout=30)

    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        assert (job.state, job.attempts, job.done, job.total) == ("done", 2, ROWS, ROWS)
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "committed"
        assert (batch.created_count, batch.updated_count) == (ROWS - 2, 1)
        created = select(func.count()).where(Customer.import_batch_id == batch_id)
        assert db.session.scalar(created) == ROWS - 2
        twice = select(CustomerPhone.number).group_by(CustomerPhone.number).having(func.count() > 1)
        assert db.session.scalars(twice).all() == []
        outcomes = dict(
            db.session.execute(
                select(ImportRow.action, func.count())
                .where(ImportRow.batch_id == batch_id)
                .group_by(ImportRow.action)
            ).all()
        )
        assert outcomes == {"create": ROWS - 2, "update": 1, "duplicate": 1}
        assert db.session.get(Customer, held_id).company == "新公司"

        result = import_undo.undo_import(actor=db.session.get(User, boss_id), batch=batch)
        db.session.commit()
        assert result == {"deleted": ROWS - 2, "restored": 1, "refused": []}
        assert db.session.get(Customer, held_id).company == "原公司"
