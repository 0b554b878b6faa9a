"""Work the queued background jobs in the test process, as the scheduler's runner does."""

from __future__ import annotations

from flask import Flask

from crm.scheduler import JOBS, run_job


def work_jobs(app: Flask) -> int | None:
    """One turn of the scheduler's job runner; how many jobs it worked."""
    runner = next(job for job in JOBS if job.name == "jobs.work")
    return run_job(app, runner)
