"""`make bench-capacity`: how many agents one machine carries (issue 25), on SQLite and on
PostgreSQL.

For each database: reuse (or seed) 100,000 customers / 1,000,000 interactions, serve the app
with gunicorn exactly as deploy/gunicorn.conf.py configures it, sign N bench agents in through
the real sign-in form, and offer an open-loop load (bench/openloop.py) of one action per agent
every 15 s on average: 35% customer page, 25% search (last four digits, Chinese prefix, pinyin
initials), 15% own home or worklist, 10% log a call (the real form), 10% case page, 5%
dashboard (a supervisor). N steps up; each step has a warm-up and a steady window. Printed: each
step's figures and where the CPU went, then the largest N with p95 < 200 ms and no errors with
its per-kind p50/p95/p99 and CPU per request, the first failing N and what saturated, and the
signed-in ceiling (the cheapest signed-in page at 16 connections, wrk) against the customer page
alone, as a ratio. `--quick` runs short windows at small N, a smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import capacity_data as data  # noqa: E402
from bench import openloop  # noqa: E402
from bench.run import (  # noqa: E402
    BIN,
    app_for,
    ensure_database,
    figures,
    free_port,
    seed,
    wait_for,
    worker_peak_rss_mb,
    wrk,
)
from crm.demo import DEMO_PASSWORD  # noqa: E402
from crm.extensions import db  # noqa: E402

STEPS = [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000]
QUICK_STEPS = [20, 60]
THINK_SECONDS = 15
P95_LIMIT_MS = 200
#: (share in percent, kind); the searches and home/worklist split their share evenly
MIX = [(35, "customer page"), (25, "search"), (15, "home/worklist"), (10, "log a call"),
       (10, "case page"), (5, "dashboard")]  # fmt: skip
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def tree_cpu(root: int) -> float:
    """CPU seconds of a process, its live children and the children it has reaped (gunicorn
    replaces workers every ~5,000 requests; PostgreSQL's backends come and go)."""
    fields = _stat(root)
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            child = _stat(int(status.parent.name))
            if child[1] == str(root):
                total += int(child[11]) + int(child[12])
    return total / TICK


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, every process of every user."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def postmaster_pid(url: str) -> int | None:
    pidfile = ROOT / ".pgtest/data/postmaster.pid"
    if url.startswith("postgresql") and pidfile.exists():
        return int(pidfile.read_text().split()[0])
    return None


class Meter:
    """CPU used between two readings: gunicorn (master and workers), PostgreSQL (our cluster),
    this driver, and the whole machine."""

    def __init__(self, master: int, database: int | None) -> None:
        self.master, self.database = master, database

    def read(self) -> tuple[float, float, float, float, float, float]:
        busy, total = machine_cpu()
        db_cpu = tree_cpu(self.database) if self.database else 0.0
        return (time.monotonic(), tree_cpu(self.master), db_cpu, time.process_time(), busy, total)

    @staticmethod
    def cores(before: tuple, after: tuple) -> dict[str, float]:
        seconds = after[0] - before[0]
        share = (after[4] - before[4]) / max(1, after[5] - before[5])
        cores = os.cpu_count() or 1
        used = {
            "app": (after[1] - before[1]) / seconds,
            "database": (after[2] - before[2]) / seconds,
            "driver": (after[3] - before[3]) / seconds,
        }
        used["other"] = max(0.0, share * cores - sum(used.values()))
        used["busy"] = share
        return used


class CpuLog:
    """Per-kind app CPU per request, from bench/cpu_wsgi.py's files."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self.offsets: dict[Path, int] = {}

    def mark(self) -> None:
        self.offsets = {path: path.stat().st_size for path in self.directory.glob("*.log")}

    def since_mark(self) -> dict[str, list[float]]:
        spent: dict[str, list[float]] = defaultdict(list)
        for path in self.directory.glob("*.log"):
            with path.open() as lines:
                lines.seek(self.offsets.get(path, 0))
                for line in lines:
                    kind, _, ms = line.rstrip("\n").partition("\t")
                    with contextlib.suppress(ValueError):
                        spent[kind].append(float(ms))
        return spent


@contextlib.contextmanager
def production_gunicorn(url: str, cpu_dir: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with deploy/gunicorn.conf.py (workers from the machine, gthread, recycling,
    the access log) on a free port; only the app module adds the CPU note."""
    port = free_port()
    env = {
        **os.environ,
        "CRM_ENV": "production",
        "CRM_DATABASE_URL": url,
        "CRM_SECRET_KEY": "capacity-bench-" + "x" * 40,
        "CRM_REQUIRE_2FA": "0",
        "CRM_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CAP_CPU_DIR": cpu_dir,
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
         "bench.cpu_wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield base, process
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=60)
        problems = [line for line in errors.splitlines() if "Traceback" in line or "ERROR" in line]
        if problems:
            print(f"  gunicorn logged {len(problems)} errors, first: {problems[0]}")


class Mix:
    """Chooses each arrival's agent and action."""

    def __init__(self, picks: data.Picks, agents: list, supervisors: list) -> None:
        self.picks, self.agents, self.supervisors = picks, agents, supervisors
        self.kinds = [kind for share, kind in MIX for _ in range(share)]

    def __call__(self, rng: random.Random) -> tuple[openloop.Session, openloop.Action]:
        p = self.picks
        kind = rng.choice(self.kinds)
        agent = rng.choice(self.agents)
        if kind == "customer page":
            return agent, (kind, "GET", f"/customers/{rng.choice(p.customers)}", b"")
        if kind == "search":
            kind, terms = rng.choice(
                [("search: last 4 digits", p.phone_suffixes),
                 ("search: Chinese prefix", p.name_prefixes),
                 ("search: pinyin initials", p.initials)]
            )  # fmt: skip
            return agent, (kind, "GET", f"/customers/quick-search?q={rng.choice(terms)}", b"")
        if kind == "home/worklist":
            kind, path = rng.choice([("home", "/"), ("worklist", "/callbacks/")])
            return agent, (kind, "GET", path, b"")
        if kind == "log a call":
            form = urllib.parse.urlencode(
                {"csrf_token": agent.token, "channel": "phone", "direction": "inbound",
                 "category": "inquiry", "summary": "压测：来电咨询，已解答",
                 "occurred_at": time.strftime("%Y-%m-%dT%H:%M")}
            ).encode()  # fmt: skip
            path = f"/customers/{rng.choice(p.customers)}/interactions"
            return agent, (kind, "POST", path, form)
        if kind == "case page":
            return agent, (kind, "GET", f"/cases/{rng.choice(p.cases)}", b"")
        return rng.choice(self.supervisors), (kind, "GET", "/reports/", b"")


async def sign_in_all(client: openloop.Client, names: list[str]) -> list[openloop.Session]:
    gate = asyncio.Semaphore(4)

    async def one(name: str) -> openloop.Session:
        async with gate:
            return await openloop.sign_in(client, name, DEMO_PASSWORD)

    return list(await asyncio.gather(*(one(name) for name in names)))


def ms(value: float) -> str:
    return f"{value:7.0f}" if value >= 10 else f"{value:7.1f}"


def kind_rows(outcomes: list[openloop.Outcome], cpu: dict[str, list[float]]) -> list[str]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome.latency * 1000)
    rows = [f"    {'kind':26} {'count':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'CPU ms':>7}"]
    for kind in sorted(by_kind):
        values, spent = by_kind[kind], cpu.get(kind, [])
        mean_cpu = sum(spent) / len(spent) if spent else float("nan")
        rows.append(
            f"    {kind:26} {len(values):6d} {ms(openloop.percentile(values, 0.5))}"
            f" {ms(openloop.percentile(values, 0.95))} {ms(openloop.percentile(values, 0.99))}"
            f" {ms(mean_cpu)}"
        )
    return rows


def saturation(cores: dict[str, float], workers: int, by_kind: list[str]) -> str:
    machine = os.cpu_count() or 1
    spread = (f"gunicorn {cores['app']:.2f} cores, database {cores['database']:.2f}, load driver"
              f" {cores['driver']:.2f}, other processes {cores['other']:.2f}")  # fmt: skip
    if cores["busy"] >= 0.9:
        return f"CPU: the machine's {machine} cores were {cores['busy']:.0%} busy ({spread})"
    return (
        f"not the CPU ({cores['busy']:.0%} busy: {spread}); requests queued for the"
        f" {workers} workers x 2 threads or for the database"
    )


def run_step(base: str, mix: Mix, n: int, warm: float, window: float, meter: Meter,
             cpu_log: CpuLog) -> dict:  # fmt: skip
    host, port = base.removeprefix("http://").split(":")

    async def go() -> tuple[list[openloop.Outcome], dict, dict]:
        client = openloop.Client(host, int(port), limit=64)
        readings: dict[str, tuple] = {}

        async def mark() -> None:
            await asyncio.sleep(warm)
            cpu_log.mark()
            readings["start"] = meter.read()

        marker = asyncio.create_task(mark())
        outcomes = await openloop.offer(
            client, mix, n / THINK_SECONDS, warm + window, random.Random(n)
        )
        readings["end"] = meter.read()
        await marker
        client.close()
        return outcomes, readings, cpu_log.since_mark()

    outcomes, readings, cpu = asyncio.run(go())
    steady = [o for o in outcomes if o.due >= warm]
    latencies = [o.latency * 1000 for o in steady]
    errors = [o for o in steady if not o.ok]
    cores = Meter.cores(readings["start"], readings["end"])
    app_cpu = [value for values in cpu.values() for value in values]
    result = {
        "n": n,
        "outcomes": steady,
        "cpu": cpu,
        "cores": cores,
        "p50": openloop.percentile(latencies, 0.5),
        "p95": openloop.percentile(latencies, 0.95),
        "p99": openloop.percentile(latencies, 0.99),
        "errors": errors,
        "rate": len(steady) / window,
        "cpu_per_request": cores["app"] * window * 1000 / max(1, len(steady)),
        "app_cpu": sum(app_cpu) / max(1, len(app_cpu)),
    }
    result["passed"] = result["p95"] < P95_LIMIT_MS and not errors
    return result


def step_line(r: dict) -> str:
    c = r["cores"]
    return (
        f"  {r['n']:6d} {r['rate']:7.1f} {len(r['outcomes']):7d} {len(r['errors']):6d}"
        f" {ms(r['p50'])} {ms(r['p95'])} {ms(r['p99'])} {ms(r['cpu_per_request'])}"
        f" {ms(r['app_cpu'])}   {c['app']:.2f}/{c['database']:.2f}/{c['driver']:.2f}/"
        f"{c['other']:.2f} {c['busy']:5.0%}  {'pass' if r['passed'] else 'FAIL'}"
    )


def ceilings(base: str, session: openloop.Session, customers: list[int], seconds: int) -> str:
    """The cheapest signed-in page and the customer page alone, each at 16 connections."""
    floor = figures(wrk(base, ["/customers/quick-search?q="], session.cookie, seconds), base)
    page = figures(wrk(base, [f"/customers/{c}" for c in customers], session.cookie, seconds), base)
    return (
        f"  signed-in ceiling (empty search fragment, 16 connections): {floor['rps']:.0f} req/s,"
        f" p95 {floor['p95']:.0f} ms\n  customer page alone (16 connections): {page['rps']:.0f}"
        f" req/s, p95 {page['p95']:.0f} ms; ratio {page['rps'] / floor['rps']:.2f}"
    )


def run_database(label: str, url: str, steps: list[int], warm: float, window: float,
                 wrk_seconds: int) -> None:  # fmt: skip
    print(f"\n== {label} ==", flush=True)
    seed(url)
    supervisors = max(2, steps[-1] // 50)
    with app_for(url).app_context():
        data.ensure_accounts(steps[-1], supervisors)
        print(f"  callbacks shared out to bench agents: {data.share_callbacks(steps[-1])}")
        picks = data.picks()
        db.engine.dispose()
    load = os.getloadavg()
    print(f"  machine before the run: load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
          f" on {os.cpu_count()} cores")  # fmt: skip
    with (
        tempfile.TemporaryDirectory() as cpu_dir,
        production_gunicorn(url, cpu_dir) as (
            base,
            master,
        ),
    ):
        host, port = base.removeprefix("http://").split(":")
        workers = len(worker_peak_rss_mb(master))
        meter = Meter(master.pid, postmaster_pid(url))
        cpu_log = CpuLog(cpu_dir)
        agents: list[openloop.Session] = []

        async def sign_in_more(names: list[str]) -> list[openloop.Session]:
            client = openloop.Client(host, int(port), limit=8)
            try:
                return await sign_in_all(client, names)
            finally:
                client.close()

        started = time.perf_counter()
        bosses = asyncio.run(
            sign_in_more([data.SUPERVISOR.format(n) for n in range(1, supervisors + 1)])
        )
        print(f"  gunicorn: {workers} workers x 2 threads (deploy/gunicorn.conf.py); "
              f"{THINK_SECONDS} s between an agent's actions; windows {warm:.0f} s warm-up"
              f" + {window:.0f} s steady")  # fmt: skip
        print("       N   req/s answered errors  p50 ms  p95 ms  p99 ms CPU/req app/req"
              "   cores app/db/driver/other busy")  # fmt: skip
        results = []
        for n in steps:
            names = [data.AGENT.format(i) for i in range(len(agents) + 1, n + 1)]
            agents += asyncio.run(sign_in_more(names))
            result = run_step(base, Mix(picks, agents, bosses), n, warm, window, meter, cpu_log)
            results.append(result)
            print(step_line(result), flush=True)
            if not result["passed"]:
                break
        print(f"  ({len(agents)} agents and {len(bosses)} supervisors signed in through the form;"
              f" run took {time.perf_counter() - started:.0f} s)")  # fmt: skip
        passed = [r for r in results if r["passed"]]
        if passed:
            best = passed[-1]
            print(f"  CARRIED: {best['n']} agents, p95 {best['p95']:.0f} ms, no errors; per kind"
                  " (latency counted from when each request was due; CPU: the app's):")  # fmt: skip
            print("\n".join(kind_rows(best["outcomes"], best["cpu"])))
        else:
            print("  CARRIED: not even the first step")
        failed = results[-1] if not results[-1]["passed"] else None
        if failed:
            kinds = kind_rows(failed["outcomes"], failed["cpu"])
            errors = defaultdict(int)
            for outcome in failed["errors"]:
                errors[f"{outcome.kind}: {outcome.detail}"] += 1
            print(f"  FIRST FAILING: {failed['n']} agents, p95 {failed['p95']:.0f} ms,"
                  f" {len(failed['errors'])} errors {dict(errors) or ''}")  # fmt: skip
            print("\n".join(kinds))
            print(f"  saturated: {saturation(failed['cores'], workers, kinds)}")
        else:
            print(f"  no failing step up to {steps[-1]} agents")
        print(ceilings(base, agents[0], picks.customers[:300], wrk_seconds))
        peaks = worker_peak_rss_mb(master)
        print(f"  worker RSS (peak): {', '.join(f'{p:.0f} MB' for p in peaks)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=str(ROOT / "instance/bench.db"))
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL; empty: SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--steps", default="", help="agents per step, e.g. 500,1000,1500")
    parser.add_argument("--quick", action="store_true", help="a smoke test: small N, 10 s windows")
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",") if n] or (QUICK_STEPS if args.quick else STEPS)
    warm, window, wrk_seconds = (3.0, 10.0, 3) if args.quick else (15.0, 60.0, 10)
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    print(f"capacity run {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores,"
          f" {memory:.0f} GB")  # fmt: skip
    if not args.no_sqlite:
        url = f"sqlite:///{Path(args.sqlite).resolve()}"
        run_database("SQLite (WAL)", url, steps, warm, window, wrk_seconds)
    if args.postgres:
        ensure_database(args.postgres)
        run_database("PostgreSQL", args.postgres, steps, warm, window, wrk_seconds)


if __name__ == "__main__":
    main()
