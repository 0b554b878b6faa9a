"""/metrics under the shipped gunicorn settings adds up every worker's requests."""

from __future__ import annotations

import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.servers import start_gunicorn, stop

TOKEN = "scrape-" + "w" * 30


def healthz_count(port: int) -> float:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "crm_request_duration_seconds_count"
        and sample.labels["route"] == "/healthz"
    )


def test_every_scrape_sees_the_requests_of_all_workers(app, database_url) -> None:
    folder = Path(tempfile.mkdtemp(prefix="crm-metrics-"))
    figures = folder / "figures"
    figures.mkdir()
    (figures / "stale.db").write_bytes(b"left by an earlier master")
    port, gunicorn = start_gunicorn(
        database_url,
        folder,
        workers=2,
        CRM_METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(figures),
    )
    try:
        started = healthz_count(port)  # the start-up check's own request(s)

        def hit(_number: int) -> None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10):
                pass

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(hit, range(60)))
        # both workers answered some of them, each into its own file
        assert len({path.name.rsplit("_", 1)[-1] for path in figures.glob("histogram_*.db")}) == 2
        # whichever worker answers the scrape, it counts all sixty
        for _ in range(6):
            assert healthz_count(port) == started + 60
    finally:
        stop(gunicorn)
    assert not (figures / "stale.db").exists()
