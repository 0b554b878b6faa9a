"""`make bench`: the hot paths under load, on SQLite and on PostgreSQL.

For each database: seed the demo data once at full size (timed), serve the app under gunicorn
(2 sync workers), drive each hot path from a separate wrk process (16 connections, fixed time),
and print requests per second, p50/p95/p99 latency and each path's throughput as a share of the
floor (a bare Flask route under the same gunicorn settings, with one indexed sqlite3 query).
Also: import time of a 100,000-row CSV, peak RSS per worker, database size. Figures only: this
asserts nothing but that every request succeeded.

`--soak SECONDS` instead runs the reliability load: 16 clients for that long, 12 reading (search,
customer pages, timelines, the worklist) and 4 logging interactions, then counts errors and
checks that every logged interaction is in the database.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from config import Config  # noqa: E402
from crm import create_app  # noqa: E402
from crm.customers.models import Customer, CustomerPhone  # noqa: E402
from crm.customers.search import pinyin_forms  # noqa: E402
from crm.customers.timeline import timeline_page  # noqa: E402
from crm.demo import DEMO_PASSWORD  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.interactions.models import Interaction  # noqa: E402

BIN = Path(sys.executable).parent
SIZES = {
    "customers": 100_000,
    "interactions": 1_000_000,
    "cases": 20_000,
    "callbacks": 50_000,
    "reviews": 20_000,
}
SAMPLE = 300
HEADER = "  " + " ".join(
    [f"{'path':34}", *(f"{name:>7}" for name in ("req/s", "floor", "p50 ms", "p95 ms", "p99 ms")),
     f"{'errors':>6}", f"{'socket':>6}"]
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         app_spec],
        cwd=ROOT,
        env={**os.environ, **env},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz" if app_spec == "wsgi:app" else f"{base}/const")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def worker_peak_rss_mb(master: subprocess.Popen) -> list[float]:
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            if fields.get("PPid", "").strip() == str(master.pid):
                peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(peaks)


def session_cookie(base: str, username: str) -> tuple[str, str]:
    """Sign in as a demo user; returns the Cookie header and a CSRF token of that session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(f"{base}/login", data=form)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    page = opener.open(f"{base}/customers/").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return cookie, token


def wrk(
    base: str, paths: list[str], cookie: str, seconds: int, body: str = "", clients: int = 16
) -> subprocess.Popen:
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("\n".join(paths))
    return subprocess.Popen(
        [
            "wrk",
            f"-t{min(2, clients)}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench/wrk.lua"),
            base,
        ],
        env={**os.environ, "PATHS": listing.name, "COOKIE": cookie, "BODY": body},
        stdout=subprocess.PIPE,
        text=True,
    )


def figures(process: subprocess.Popen, base: str | None = None) -> dict:
    output, _ = process.communicate()
    line = next(line for line in output.splitlines() if line.startswith("{"))
    if base is not None:
        drain(base)
    return json.loads(line)


def drain(base: str, timeout: float = 120) -> None:
    """Wait until the workers are idle: when wrk stops, the requests it had queued are still
    served, and a slow path would otherwise weigh on the next path's figures."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.perf_counter()
        urllib.request.urlopen(f"{base}/healthz", timeout=timeout).read()
        if time.perf_counter() - started < 0.05:
            return
    raise RuntimeError(f"{base} stayed busy for {timeout} s after the load stopped")


def row(name: str, result: dict, floor: float | None) -> str:
    ratio = f"{result['rps'] / floor:.0%}" if floor else "-"
    return (
        f"  {name:34} {result['rps']:7.1f} {ratio:>7} {result['p50']:7.1f} {result['p95']:7.1f}"
        f" {result['p99']:7.1f} {result['errors']:6d} {result['socket_errors']:6d}"
    )


def app_for(url: str):  # noqa: ANN201 - a Flask app
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def seed(url: str) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": url}
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    app = app_for(url)
    with app.app_context():
        seeded = db.session.scalar(select(func.count()).select_from(Customer))
    if seeded:
        print(f"  seed: already seeded ({seeded} customers)")
        return
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "seed-demo",
         *(f"--{name}={count}" for name, count in SIZES.items())],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    print(f"  seed: {time.perf_counter() - started:.0f} s")


def sample_paths(url: str) -> dict[str, list[str]]:
    rng = random.Random(7)
    app = app_for(url)
    with app.app_context():
        customers = db.session.execute(
            select(Customer.id, Customer.name).where(Customer.deleted_at.is_(None)).limit(5000)
        ).all()
        picked = rng.sample(customers, SAMPLE)
        phones = db.session.scalars(
            select(CustomerPhone.number).where(
                CustomerPhone.customer_id.in_([customer.id for customer in picked])
            )
        ).all()
        busy = db.session.scalars(
            select(Interaction.customer_id)
            .group_by(Interaction.customer_id)
            .having(func.count() > 25)
            .limit(SAMPLE)
        ).all()
        cursors = [(customer_id, timeline_page(customer_id).next_cursor) for customer_id in busy]
    quote = urllib.parse.quote
    return {
        "customer search: phone suffix": [f"/customers/quick-search?q={p[-4:]}" for p in phones],
        "customer search: name part": [
            f"/customers/quick-search?q={quote(name[-2:])}" for _id, name in picked
        ],
        "customer search: pinyin initials": [
            f"/customers/quick-search?q={min(pinyin_forms(name), key=len)}" for _id, name in picked
        ],
        "customer page (first timeline page)": [f"/customers/{c.id}" for c in picked],
        "timeline: next page": [
            f"/customers/{cid}/timeline?cursor={quote(cursor.encode())}"
            for cid, cursor in cursors
            if cursor is not None
        ],
    }


def run_database(label: str, url: str, floor: float, seconds: int) -> None:
    print(f"\n== {label} ==")
    seed(url)
    paths = sample_paths(url)
    env = {"CRM_DATABASE_URL": url, "CRM_SECRET_KEY": "bench-" + "x" * 40}
    with gunicorn("wsgi:app", env) as (base, master):
        agent, agent_token = session_cookie(base, "agent")
        boss, _token = session_cookie(base, "supervisor")
        month = time.strftime("%Y-%m")
        customer = paths["customer page (first timeline page)"][0]
        write = urllib.parse.urlencode(
            {
                "csrf_token": agent_token,
                "channel": "phone",
                "direction": "inbound",
                "category": "inquiry",
                "summary": "压测：来电咨询",
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M"),
            }
        )
        with app_for(url).app_context():
            before = db.session.scalar(select(func.count()).select_from(Interaction))
        print(HEADER)
        print(row("login page", figures(wrk(base, ["/login"], "", seconds), base), floor))
        # The least any signed-in page costs in this stack (session, user, CSRF, an empty
        # fragment): the ceiling the hot paths below can approach.
        print(
            row(
                "signed in, empty search fragment",
                figures(wrk(base, ["/customers/quick-search?q="], agent, seconds), base),
                floor,
            )
        )
        for name, listing in paths.items():
            print(row(name, figures(wrk(base, listing, agent, seconds), base), floor))
        print(
            row(
                "callback worklist (agent)",
                figures(wrk(base, ["/callbacks/"], agent, seconds), base),
                floor,
            )
        )
        print(
            row(
                "case queue (supervisor)",
                figures(wrk(base, ["/cases/queue"], boss, seconds), base),
                floor,
            )
        )
        print(
            row(
                "dashboard, this month",
                figures(wrk(base, [f"/reports/?month={month}"], boss, seconds), base),
                floor,
            )
        )
        # The target is the time of one view; at 16 clients the figure above is mostly queueing.
        print(
            row(
                "dashboard, this month, 1 client",
                figures(wrk(base, [f"/reports/?month={month}"], boss, seconds, clients=1), base),
                floor,
            )
        )
        readers = wrk(
            base, paths["customer page (first timeline page)"], agent, seconds, clients=12
        )
        writer = wrk(base, [f"{customer}/interactions"], agent, seconds, body=write, clients=4)
        written = figures(writer)
        print(row("log interaction (with 12 readers)", written, floor))
        print(row("  readers meanwhile", figures(readers), floor))
        peaks = worker_peak_rss_mb(master)
    with app_for(url).app_context():
        after = db.session.scalar(select(func.count()).select_from(Interaction))
    print(f"  interactions written: {after - before} (wrk counted {written['requests']} requests)")
    print(f"  peak RSS per worker: {', '.join(f'{p:.0f} MB' for p in peaks)}")
    if url.startswith("sqlite"):
        size = Path(url.removeprefix("sqlite:///")).stat().st_size
        print(f"  database file: {size / 1e6:.0f} MB")
    else:
        with create_engine(url).connect() as connection:
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
        print(f"  database size: {size / 1e6:.0f} MB")


def soak(label: str, url: str, seconds: int) -> bool:
    """Mixed reads and writes at 16 clients; True when nothing failed and nothing was lost."""
    print(f"\n== soak: {label}, {seconds} s, 12 readers + 4 writers ==")
    seed(url)
    paths = sample_paths(url)
    reads = [path for listing in paths.values() for path in listing] + ["/callbacks/"]
    env = {"CRM_DATABASE_URL": url, "CRM_SECRET_KEY": "bench-" + "x" * 40}
    with gunicorn("wsgi:app", env) as (base, _master):
        agent, agent_token = session_cookie(base, "agent")
        customer = paths["customer page (first timeline page)"][0]
        marker = f"soak {time.time():.0f}"
        write = urllib.parse.urlencode(
            {
                "csrf_token": agent_token,
                "channel": "phone",
                "direction": "inbound",
                "category": "inquiry",
                "summary": marker,
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M"),
            }
        )
        readers = wrk(base, reads, agent, seconds, clients=12)
        writers = wrk(base, [f"{customer}/interactions"], agent, seconds, body=write, clients=4)
        written, read = figures(writers), figures(readers)
    with app_for(url).app_context():
        stored = db.session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.summary == marker)
        )
    print(HEADER)
    print(row("readers", read, None))
    print(row("writers (log interaction)", written, None))
    failures = read["errors"] + read["socket_errors"] + written["errors"] + written["socket_errors"]
    # wrk counts the requests answered before it stopped; one in flight per writer may still
    # have been saved after that.
    lost = written["requests"] - stored
    print(
        f"  errors: {failures}; writes answered: {written['requests']}, stored: {stored}"
        f" ({'none lost' if lost <= 0 else f'{lost} LOST'})"
    )
    return failures == 0 and 0 <= stored - written["requests"] <= 4


def import_time() -> None:
    """A 100,000-row CSV through the import (dry run and commit) into an empty database."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/import.db"
        subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, check=True,
            env={**os.environ, "CRM_DATABASE_URL": url}, capture_output=True,
        )  # fmt: skip
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["姓名", "手机", "公司", "邮箱"])
        for number in range(100_000):
            writer.writerow([f"导入客户{number}", f"139{number:08d}", "华夏贸易", ""])
        data = buffer.getvalue().encode("utf-8-sig")
        app = app_for(url)
        with app.app_context():
            from crm.auth.services import create_user
            from crm.customers.import_commit import commit_import
            from crm.customers.imports import dry_run, start_import

            boss, _password = create_user(
                actor=None, username="importer", display_name="导入", roles=["supervisor"]
            )
            db.session.commit()
            started = time.perf_counter()
            batch, _table = start_import(actor=boss, filename="customers.csv", data=data)
            dry_run(actor=boss, batch=batch, mapping=batch.mapping, mode="all_or_nothing")
            commit_import(actor=boss, batch=batch)
            db.session.commit()
            elapsed = time.perf_counter() - started
            imported = db.session.scalar(select(func.count()).select_from(Customer))
    print(f"import of a 100,000-row CSV: {elapsed:.1f} s ({imported} customers)")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when the server does not have it yet."""
    name = url.rsplit("/", 1)[1]
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"not a plain database name: {name!r}")
    server = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk time per hot path")
    parser.add_argument("--sqlite", default=str(ROOT / "instance/bench.db"))
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL; empty: skip")
    parser.add_argument("--import-only", action="store_true", help="only time the CSV import")
    parser.add_argument("--soak", type=int, default=0, help="seconds of mixed load; 0: skip")
    args = parser.parse_args()
    if args.import_only:
        import_time()
        return
    if args.soak:
        sqlite_url = f"sqlite:///{Path(args.sqlite).resolve()}"
        passed = soak("SQLite (WAL), 2 gunicorn workers", sqlite_url, args.soak)
        if args.postgres:
            ensure_database(args.postgres)
            passed &= soak("PostgreSQL, 2 gunicorn workers", args.postgres, args.soak)
        sys.exit(0 if passed else 1)

    sqlite_url = f"sqlite:///{Path(args.sqlite).resolve()}"
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    print("== floor: bare Flask routes under the same gunicorn settings ==")
    seed(sqlite_url)
    with app_for(sqlite_url).app_context():
        top = db.session.scalar(select(func.max(Customer.id)))
    floor_env = {"FLOOR_SQLITE": str(Path(args.sqlite).resolve()), "FLOOR_TOP_ID": str(top)}
    with gunicorn("bench.floor:app", floor_env) as (base, _master):
        constant = figures(wrk(base, ["/const"], "", args.seconds))
        query = figures(wrk(base, ["/sql"], "", args.seconds))
    print(HEADER)
    print(row("constant string", constant, None))
    print(row("one indexed sqlite3 query", query, None))
    run_database("SQLite (WAL), 2 gunicorn workers", sqlite_url, query["rps"], args.seconds)
    if args.postgres:
        ensure_database(args.postgres)
        run_database("PostgreSQL, 2 gunicorn workers", args.postgres, query["rps"], args.seconds)
    import_time()


if __name__ == "__main__":
    main()
