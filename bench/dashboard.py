"""Benchmark: the KPI dashboard for a month on a large demo database.

Seeds (once) a SQLite file with seed-demo at the given sizes, then times the dashboard, a
drill-down and the agent scorecard through the app (the view code and its SQL, no network), first
with no monthly reports kept, then with the last twelve kept as the scheduler would have done.
Prints figures; asserts nothing.

    .venv/bin/python bench/dashboard.py --customers 100000 --interactions 1000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from config import Config
from crm import create_app
from crm.database import utcnow
from crm.demo import DEMO_PASSWORD, database_is_empty
from crm.extensions import db
from crm.reports.models import MonthlyReport
from crm.reports.monthly import report_data
from crm.reports.queries import Period, months_back
from crm.timezones import department_today


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="instance/bench.db")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--callbacks", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    path = Path(args.db).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    app = create_app(config)
    with app.app_context():
        upgrade()
        if database_is_empty():
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(
                args=[
                    "seed-demo",
                    f"--customers={args.customers}",
                    f"--interactions={args.interactions}",
                    f"--cases={args.cases}",
                    f"--callbacks={args.callbacks}",
                    f"--reviews={args.reviews}",
                ]
            )
            print(result.output.strip())
            print(f"seed: {time.perf_counter() - started:.1f} s")
        db.session.execute(db.delete(MonthlyReport))
        db.session.commit()
        this_month = Period.month(department_today(utcnow()))
    print(f"database: {path} ({path.stat().st_size / 1e6:.0f} MB)")

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    client.post(
        "/login",
        data={"username": "supervisor", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    month = this_month.start.strftime("%Y-%m")
    last = (this_month.start - timedelta(days=1)).strftime("%Y-%m")
    paths = {
        "dashboard, this month": f"/reports/?month={month}",
        "dashboard, last month": f"/reports/?month={last}",
        "drill-down, satisfaction": f"/reports/kpi/satisfaction?month={last}",
        "agent scorecard": f"/reports/agents?month={last}",
    }

    def measure(label: str) -> None:
        print(f"\n{label} ({args.runs} runs each, ms: min / median / p95)")
        for name, url in paths.items():
            assert client.get(url).status_code == 200, url
            times = []
            for _run in range(args.runs):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"  {name:28} {times[0]:7.1f} {statistics.median(times):7.1f} {p95:7.1f}")

    measure("no monthly reports kept")
    with app.app_context():
        for period in months_back(this_month.start - timedelta(days=1), 12):
            db.session.add(MonthlyReport(month=period.start, data=report_data(period)))
        db.session.commit()
    measure("the last twelve monthly reports kept (the scheduler's steady state)")


if __name__ == "__main__":
    main()
