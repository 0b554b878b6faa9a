"""`GET /metrics` for Prometheus, behind a token: request latency by route, the background job
queue, the scheduler's heartbeat.

Latency is counted in each worker process by prometheus_client. Under gunicorn every worker
writes its figures to a memory-mapped file in ``PROMETHEUS_MULTIPROC_DIR``, which
deploy/gunicorn.conf.py sets up, and a scrape answered by any worker adds them all up: the
figures cover every worker without a database write per request (which SQLite in particular
would pay for under load). Without that directory (the development server, tests) the figures
are the one process's. The queue and the heartbeat are read from the database at each scrape,
so every worker and host answers the same.
"""

from __future__ import annotations

import hmac
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from crm.database import utcnow
from crm.extensions import db
from crm.jobs.models import BackgroundJob, JobState

bp = Blueprint("metrics", __name__)

#: the name the scheduler's lock session carries on PostgreSQL (crm/scheduler.py)
LEADER_APPLICATION_NAME = "crm-scheduler-leader"

_REGISTRY = CollectorRegistry()
#: buckets around the targets: pages under 200 ms at p95, writes under 100 ms
REQUEST_SECONDS = Histogram(
    "crm_request_duration_seconds",
    "Time to answer a request, by route (the URL rule, not the path) and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10),
    registry=_REGISTRY,
)


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        REQUEST_SECONDS.labels(rule, request.method).observe(time.perf_counter() - started)
    return response


def register_metrics(app: Flask) -> None:
    """Time every request from the first of the app's hooks."""
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_observe)


class _Live(Collector):
    """What the database says at the time of the scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "crm_job_queue_depth", "Background jobs waiting or being worked.", labels=["state"]
        )
        counts = dict(
            db.session.execute(
                select(BackgroundJob.state, func.count())
                .where(BackgroundJob.state.in_([JobState.QUEUED, JobState.RUNNING]))
                .group_by(BackgroundJob.state)
            ).all()
        )
        for state in (JobState.QUEUED, JobState.RUNNING):
            depth.add_metric([state.value], counts.get(state.value, 0))
        yield depth
        yield GaugeMetricFamily(
            "crm_scheduler_heartbeat_age_seconds",
            "Seconds since the leading scheduler last checked its leader lock (every"
            " CRM_SCHEDULER_LEADER_POLL_SECONDS); +Inf when no scheduler ever led.",
            value=heartbeat_age(),
        )


def heartbeat_age() -> float:
    """Seconds since the leader's last beat: on PostgreSQL the last statement of the lock's
    session (it checks the lock every poll), on SQLite the time of the lock file, which the
    leader touches as often."""
    if db.engine.dialect.name == "postgresql":
        age = db.session.execute(
            text(
                "SELECT extract(epoch FROM now() - state_change) FROM pg_stat_activity"
                " WHERE application_name = :name AND datname = current_database()"
                " ORDER BY state_change DESC LIMIT 1"
            ),
            {"name": LEADER_APPLICATION_NAME},
        ).scalar()
        return math.inf if age is None else max(0.0, float(age))
    lock = Path(f"{db.engine.url.database or 'crm.db'}.scheduler-lock")
    if not lock.exists():
        return math.inf
    return max(0.0, utcnow().timestamp() - lock.stat().st_mtime)


def _authorised() -> bool:
    expected = current_app.config["METRICS_TOKEN"]
    offered = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(offered.encode(), f"Bearer {expected}".encode())


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus's text format, for a scraper holding ``CRM_METRICS_TOKEN`` as its bearer
    token; 404 to anyone else, and to everyone while no token is set."""
    if not _authorised():
        abort(404)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = _REGISTRY
    live = CollectorRegistry()
    live.register(_Live())
    # The classic text format (0.0.4), which every Prometheus version reads.
    body = generate_latest(requests) + generate_latest(live)
    db.session.rollback()
    return Response(
        body, content_type=CONTENT_TYPE_PLAIN_0_0_4, headers={"Cache-Control": "no-store"}
    )
