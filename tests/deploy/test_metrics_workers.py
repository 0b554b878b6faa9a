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

        def workers_heard() -> int:
            return len({path.name.rsplit("_", 1)[-1] for path in figures.glob("histogram_*.db")})

        # Until both workers have answered some (on a busy machine one may take a whole batch),
        # each writing into its own file.
        sent = 0
        with ThreadPoolExecutor(16) as pool:
            while workers_heard() < 2 and sent < 2000:
                list(pool.map(hit, range(40)))
                sent += 40
        assert workers_heard() == 2
        # whichever worker answers the scrape, it counts them all
        for _ in range(6):
            assert healthz_count(port) == started + sent
    finally:
        stop(gunicorn)
    assert not (figures / "stale.db").exists()
