"""The jobs table: a repeated request is one job, a claim is exclusive, a silent worker's job is
claimed again, and a worker that lost its claim cannot finish the job."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.database import utcnow
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobState
from crm.jobs.services import JobLost, claim, enqueue, run_claimed, work_jobs
from tests.factories import make_user

STALE = timedelta(seconds=60)


@pytest.fixture
def boss(ctx):
    return make_user(username="boss", roles=["supervisor"])


def test_the_same_key_queues_one_job(boss) -> None:
    first = enqueue(kind="k", key="import:1:commit", actor=boss)
    again = enqueue(kind="k", key="import:1:commit", actor=boss)
    assert first.id == again.id
    assert db.session.query(BackgroundJob).count() == 1


def test_a_claimed_job_is_not_claimed_again_until_its_heartbeat_is_stale(boss) -> None:
    job = enqueue(kind="k", key="a", actor=boss)
    now = utcnow()
    assert claim(now, STALE).id == job.id
    assert claim(now + timedelta(seconds=30), STALE) is None
    again = claim(now + timedelta(seconds=61), STALE)
    assert (again.id, again.attempts, again.state) == (job.id, 2, JobState.RUNNING)


def test_a_worker_that_lost_its_claim_cannot_finish(boss) -> None:
    job = enqueue(kind="k", key="a", actor=boss)
    claimed = claim(utcnow(), STALE)
    db.session.commit()
    lost: list[bool] = []

    def handler(_job, progress) -> None:
        claim(utcnow() + timedelta(seconds=61), STALE)  # another worker takes it over
        try:
            progress(1, 2)
        except JobLost:
            lost.append(True)
            raise

    run_claimed(claimed, handler)
    db.session.refresh(job)
    assert lost == [True]
    assert job.state == JobState.RUNNING  # the new owner's, not finished by the old one


def test_a_failing_handler_fails_its_job_with_the_reason(app, boss) -> None:
    job = enqueue(kind="boom", key="b", actor=boss)
    db.session.commit()

    def boom(_job, _progress) -> None:
        raise ValueError("bad cell")

    assert work_jobs(utcnow(), handlers={"boom": boom}) == 1
    db.session.refresh(job)
    assert job.state == JobState.FAILED and "bad cell" in job.error
    again = enqueue(kind="boom", key="b", actor=boss)  # asking again retries it
    assert (again.id, again.state, again.error) == (job.id, JobState.QUEUED, None)
