"""Benchmark: a large customer import as the scheduler works it, and the pages meanwhile.

Writes a CSV of ``--rows`` rows (default 100,000; a realistic mix: mostly new customers, some
updating or repeating customers on file, a few conflicts, duplicates within the file and bad
rows), uploads it on a fresh SQLite database that already holds 10% of its customers, then works
the dry run and the commit through the job runner, as the scheduler does, and prints wall time,
rows per second and the process's peak RSS. With ``--latency`` it then serves the app (gunicorn,
2 workers) and times the customer list and the home page idle, and again while a scheduler
process imports another file of the same size: p50 and p95. Asserts nothing.

    .venv/bin/python bench/import_speed.py                 # 100,000 rows
    .venv/bin/python bench/import_speed.py --rows 1000000  # the memory bound at a million
    .venv/bin/python bench/import_speed.py --latency       # pages during an import
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import resource
import socket
import statistics
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

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from config import Config  # noqa: E402
from crm import create_app  # noqa: E402
from crm.auth.models import User  # noqa: E402
from crm.customers import import_jobs, imports  # noqa: E402
from crm.customers.models import Customer, CustomerPhone  # noqa: E402
from crm.database import utcnow  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.jobs.models import BackgroundJob  # noqa: E402
from crm.scheduler import JOBS, run_job  # noqa: E402
from tests.factories import make_user  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "Qz7-speed-2026"
HEADER = "客户名称,手机,邮箱,公司,地区,等级,备注\n"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
REGIONS = ("上海", "北京", "华东", "华南", "广东", "浙江", "")
TIERS = ("", "", "", "VIP", "关键客户", "普通")


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """This process's CPU time so far: on a shared machine, steadier than the wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def name_of(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def phone_of(n: int, offset: int) -> str:
    return f"13{(n + offset) % 10}{n + offset:08d}"[:11]


def write_csv(path: Path, rows: int, offset: int = 0) -> None:
    """The mix: 85% new, 9% on file (updated or unchanged), 1% conflicts (another name on a
    number on file), 3% repeats of an earlier line's phone, 2% bad rows."""
    rng = random.Random(20 + offset)
    with path.open("w", encoding="gb18030") as out:
        out.write(HEADER)
        lines = []
        for n in range(rows):
            roll = rng.random()
            name, phone = name_of(rng), phone_of(n, offset)
            if roll < 0.09:
                name, phone = on_file(n % max(1, rows // 10)), phone_of(n % max(1, rows // 10), -1)
            elif roll < 0.10:
                phone = phone_of(n % max(1, rows // 10), -1)
            elif roll < 0.13 and n > 10:
                phone = phone_of(n - 7, offset)
            elif roll < 0.15:
                phone = "12345" if roll < 0.14 else phone
                name = name if roll < 0.14 else ""
            lines.append(
                f"{name},{phone},u{n}.{offset}@example.cn,某某信息科技有限公司第{n % 500}分公司,"
                f"{rng.choice(REGIONS)},{rng.choice(TIERS)},第{n}行的备注\n"
            )
            if len(lines) == 1000:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines))


def on_file(n: int) -> str:
    return f"老客户{n}"


def seed_on_file(count: int, actor: User) -> None:
    """Customers already on file (10% of the file's rows), inserted in bulk."""
    now = utcnow()
    for start in range(0, count, 5000):
        numbers = range(start, min(count, start + 5000))
        ids = db.session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [
                {
                    "name": on_file(n),
                    "company": "原公司",
                    "search_text": on_file(n),
                    "created_by_id": actor.id,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for n in numbers
            ],
        ).all()
        db.session.execute(
            insert(CustomerPhone),
            [
                {
                    "customer_id": customer_id,
                    "number": f"+86{phone_of(n, -1)}",
                    "digits_reversed": f"86{phone_of(n, -1)}"[::-1],
                    "is_primary": True,
                }
                for customer_id, n in zip(ids, numbers, strict=True)
            ],
        )
    db.session.commit()


def config_for(database: Path, rows: int) -> Config:
    return Config(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        IMPORT_MAX_ROWS=max(rows + 10, 200_000),
        MAX_CONTENT_LENGTH=1024 * 1024 * 1024,
    )


def work_all(app) -> None:  # noqa: ANN001 - a Flask app
    runner = next(job for job in JOBS if job.name == "jobs.work")
    while run_job(app, runner):
        pass


def timed_import(folder: Path, rows: int) -> Path:
    database = folder / "bench.db"
    csv_path = folder / "customers.csv"
    write_csv(csv_path, rows)
    size_mb = csv_path.stat().st_size / 1024 / 1024
    app = create_app(config_for(database, rows))
    with app.app_context():
        upgrade()
        actor = make_user(username="bench", roles=["supervisor"], password=PASSWORD)
        seed_on_file(rows // 10, actor)
        baseline = peak_rss_mb()
        started, cpu_started = time.perf_counter(), cpu_seconds()
        with csv_path.open("rb") as upload:
            batch, _table = imports.start_import(actor=actor, filename=csv_path.name, data=upload)
        import_jobs.queue_check(
            actor=actor, batch=batch, mapping=batch.mapping, mode="skip_invalid"
        )
        db.session.commit()
        uploaded = time.perf_counter()
        work_all(app)
        checked, cpu_checked = time.perf_counter(), cpu_seconds()
        batch = db.session.merge(batch)
        db.session.refresh(batch)
        import_jobs.queue_commit(actor=db.session.merge(actor), batch=batch)
        db.session.commit()
        work_all(app)
        done, cpu_done = time.perf_counter(), cpu_seconds()
        db.session.refresh(batch)
        job = db.session.get(BackgroundJob, batch.job_id)
        counts = {k: v for k, v in batch.summary.items() if k != "rejected_by_reason"}
    total = done - started
    print(f"file: {rows:,} rows, {size_mb:.1f} MB GB18030; on file before: {rows // 10:,}")
    print(f"outcome: {counts}; commit job {job.state}")
    print(
        f"upload and read: {uploaded - started:.1f} s; dry run: {checked - uploaded:.1f} s; "
        f"commit: {done - checked:.1f} s; total {total:.1f} s ({rows / total:,.0f} rows/s)"
    )
    print(
        f"CPU time of this process: {cpu_checked - cpu_started:.1f} s to the end of the dry run, "
        f"{cpu_done - cpu_checked:.1f} s for the commit"
    )
    print(f"peak RSS: {baseline:.0f} MB before the import, {peak_rss_mb():.0f} MB after it")
    return database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, **env},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def signed_in(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = {"username": "bench", "password": PASSWORD, "csrf_token": token}
    opener.open(f"{base}/login", data=urllib.parse.urlencode(form).encode())
    return opener


def latencies(opener: urllib.request.OpenerDirector, base: str, count: int) -> list[float]:
    taken = []
    for n in range(count):
        path = "/customers/" if n % 2 else "/"
        started = time.perf_counter()
        opener.open(f"{base}{path}", timeout=60).read()
        taken.append((time.perf_counter() - started) * 1000)
    return taken


def figures(taken: list[float]) -> str:
    p95 = statistics.quantiles(taken, n=20)[-1]
    return f"p50 {statistics.median(taken):.0f} ms, p95 {p95:.0f} ms ({len(taken)} requests)"


def responsiveness(folder: Path, database: Path, rows: int) -> None:
    env = {
        "CRM_DATABASE_URL": f"sqlite:///{database}",
        "CRM_SECRET_KEY": "bench-" + "x" * 40,
        "CRM_IMPORT_MAX_ROWS": str(max(rows + 10, 200_000)),
    }
    second = folder / "more.csv"
    write_csv(second, rows, offset=5_000_000)
    app = create_app(config_for(database, rows))
    with app.app_context():
        actor = db.session.scalar(db.select(User).where(User.username == "bench"))
        with second.open("rb") as upload:
            batch, _table = imports.start_import(actor=actor, filename=second.name, data=upload)
        import_jobs.queue_check(
            actor=actor, batch=batch, mapping=batch.mapping, mode="skip_invalid"
        )
        db.session.commit()
        job_id = batch.job_id
    with served(env) as base:
        opener = signed_in(base)
        latencies(opener, base, 4)  # warm
        print(f"pages idle: {figures(latencies(opener, base, 40))}")
        scheduler = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "scheduler"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        busy: list[float] = []
        try:
            time.sleep(3)
            while True:
                with app.app_context():
                    job = db.session.get(BackgroundJob, job_id)
                    open_job = job.is_open
                if not open_job or len(busy) >= 400:
                    break
                busy += latencies(opener, base, 10)
        finally:
            scheduler.terminate()
            scheduler.wait(timeout=60)
        print(f"pages while a scheduler dry-runs {rows:,} rows: {figures(busy)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--latency", action="store_true", help="also time pages meanwhile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        database = timed_import(folder, args.rows)
        if args.latency:
            responsiveness(folder, database, args.rows)


if __name__ == "__main__":
    main()
