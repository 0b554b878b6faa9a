"""/metrics: Prometheus's text format for a scraper with the token, nothing for anyone else."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from crm.database import utcnow
from crm.extensions import db
from crm.jobs.models import BackgroundJob
from crm.metrics import heartbeat_age
from tests.factories import make_user

TOKEN = "scrape-" + "k" * 30
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def scraped(app_with):
    return app_with(METRICS_TOKEN=TOKEN).test_client()


def families(client) -> dict:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}


def count(found: dict, route: str, method: str = "GET") -> float:
    samples = found["crm_request_duration_seconds"].samples
    return next(
        (
            s.value
            for s in samples
            if s.name.endswith("_count") and s.labels == {"route": route, "method": method}
        ),
        0.0,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},  # not as a bearer token
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
def test_without_the_token_there_is_nothing_to_see(scraped, headers) -> None:
    response = scraped.get("/metrics", headers=headers)
    assert response.status_code == 404
    assert b"crm_" not in response.data


def test_no_token_configured_means_no_metrics_even_for_an_empty_bearer(client) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_counts_per_url_rule_rise_with_requests(scraped) -> None:
    before = families(scraped)
    for _ in range(3):
        scraped.get("/healthz")
    scraped.get("/customers/123456")  # anonymous: redirected, still counted under its rule
    after = families(scraped)
    assert count(after, "/healthz") - count(before, "/healthz") == 3
    rule = "/customers/<int:customer_id>"
    assert count(after, rule) - count(before, rule) == 1
    # the raw path is never a label: one series per rule, whatever the id
    assert not any("123456" in str(s.labels) for s in after["crm_request_duration_seconds"].samples)


def test_queue_depth_and_heartbeat_come_from_the_database(app, scraped, database_url) -> None:
    with app.app_context():
        boss = make_user(username="import.boss", roles=["supervisor"])
        for number, state in enumerate(["queued", "queued", "running", "done"]):
            db.session.add(
                BackgroundJob(
                    kind="customers.import_commit",
                    idempotency_key=f"metrics-{number}",
                    state=state,
                    actor_id=boss.id,
                    created_at=utcnow(),
                )
            )
        db.session.commit()
    found = families(scraped)
    depth = {s.labels["state"]: s.value for s in found["crm_job_queue_depth"].samples}
    assert depth == {"queued": 2, "running": 1}
    age = found["crm_scheduler_heartbeat_age_seconds"].samples[0].value
    if database_url.startswith("sqlite"):
        lock = Path(database_url.removeprefix("sqlite:///") + ".scheduler-lock")
        assert age == float("inf") or not lock.exists()
        lock.touch()
        os.utime(lock, (time.time() - 42, time.time() - 42))
        with app.app_context():
            assert 41 <= heartbeat_age() <= 50
