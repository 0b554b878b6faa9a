"""CPU per request of the pages bench/capacity.py drives, in-process (Flask's test client, no
server), and where it goes: `python bench/profile_pages.py [--profile KIND]`.

CPU time (time.process_time), not wall time, so the figures hold on a machine shared with other
work. Runs on the database `make bench-capacity` seeded (SQLite by default; `--url` for
PostgreSQL), signed in as a bench agent and a bench supervisor, with the production settings.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production settings but plain-HTTP cookies: the test client speaks HTTP.
os.environ.update(
    CRM_ENV="production",
    CRM_SECRET_KEY="profile-" + "x" * 40,
    CRM_REQUIRE_2FA="0",
    CRM_SECURE_COOKIES="0",
)

from bench import capacity_data as data  # noqa: E402
from config import Config  # noqa: E402
from crm import create_app  # noqa: E402
from crm.demo import DEMO_PASSWORD  # noqa: E402

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    form = {"username": username, "password": DEMO_PASSWORD,
            "csrf_token": TOKEN.search(page).group(1)}  # fmt: skip
    answer = client.post("/login", data=form)
    assert answer.status_code == 302, answer.status_code
    return client


def kinds(picks: data.Picks, rng: random.Random) -> dict[str, tuple[str, Callable[[], str]]]:
    month = time.strftime("%Y-%m")
    return {
        "customer page": ("agent", lambda: f"/customers/{rng.choice(picks.customers)}"),
        "search: last 4 digits": (
            "agent",
            lambda: f"/customers/quick-search?q={rng.choice(picks.phone_suffixes)}",
        ),
        "search: Chinese prefix": (
            "agent",
            lambda: f"/customers/quick-search?q={rng.choice(picks.name_prefixes)}",
        ),
        "search: pinyin initials": (
            "agent",
            lambda: f"/customers/quick-search?q={rng.choice(picks.initials)}",
        ),
        "case page": ("agent", lambda: f"/cases/{rng.choice(picks.cases)}"),
        "home": ("agent", lambda: "/"),
        "worklist": ("agent", lambda: "/callbacks/"),
        "dashboard": ("boss", lambda: "/reports/"),
        "dashboard, month": ("boss", lambda: f"/reports/?month={urllib.parse.quote(month)}"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"sqlite:///{ROOT / 'instance/bench.db'}")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per kind")
    parser.add_argument("--profile", default="", help="a kind to profile with cProfile")
    parser.add_argument("--only", default="", help="time only kinds containing this")
    args = parser.parse_args()
    config = Config.from_env()
    config.SQLALCHEMY_DATABASE_URI = args.url
    app = create_app(config)
    with app.app_context():
        data.ensure_accounts(1, 1)
        picks = data.picks()
    clients = {
        "agent": signed_in(app, data.AGENT.format(1)),
        "boss": signed_in(app, data.SUPERVISOR.format(1)),
    }
    rng = random.Random(3)
    print(f"{'kind':26} {'CPU ms':>7} {'min':>6}  ({args.requests} requests each, after 5 warm-up)")
    for kind, (who, path) in kinds(picks, rng).items():
        if args.only not in kind:
            continue
        client = clients[who]
        for _ in range(5):
            assert client.get(path()).status_code == 200, kind
        spent = []
        for _ in range(args.requests):
            started = time.process_time()
            response = client.get(path())
            spent.append(time.process_time() - started)
            assert response.status_code == 200, (kind, response.status_code)
        print(f"{kind:26} {sum(spent) / len(spent) * 1000:7.1f} {min(spent) * 1000:6.1f}")
        if kind == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path())
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
