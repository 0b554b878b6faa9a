"""Backups of a live database, SQLite's copy or PostgreSQL's pg_dump archive: a consistent,
checked copy; a restore that puts the data back as it was; a corrupt file refused; the
scheduler's daily copy with rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.auth.models import User
from crm.backup import BackupError, check, daily_backup
from crm.customers.models import Customer
from crm.extensions import db
from crm.scheduler import run_all
from tests.conftest import POSTGRES_URL
from tests.factories import make_customer, make_user

#: the daily copy's file suffix: pg_dump's archive on PostgreSQL
SUFFIX = ".dump" if POSTGRES_URL else ".db"


def customers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Customer))


def test_a_backup_round_trips(app, tmp_path: Path) -> None:
    with app.app_context():
        agent = make_user(username="agent.backup", roles=["agent"])
        make_customer(actor=agent, name="备份前")
        db.session.commit()
    runner = app.test_cli_runner()
    target = tmp_path / "copy.db"
    made = runner.invoke(args=["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert "integrity check: ok" in made.output
    with app.app_context():
        agent = db.session.scalar(select(User).where(User.username == "agent.backup"))
        make_customer(actor=agent, name="备份后")
        db.session.commit()
    assert customers(app) == 2
    assert runner.invoke(args=["restore", str(target)], input="n\n").exit_code != 0
    assert customers(app) == 2  # refused at the prompt: nothing changed
    restored = runner.invoke(args=["restore", str(target)], input="y\n")
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert db.session.scalars(select(Customer.name)).all() == ["备份前"]


def test_a_backup_never_overwrites_and_a_corrupt_file_is_refused(app, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    target = tmp_path / "copy.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100 + b"garbage" * 500)
    refused = runner.invoke(args=["restore", str(corrupt), "--yes"])
    assert refused.exit_code != 0
    # a copy cut short (a full disk, an interrupted transfer) is refused before anything changes
    cut = tmp_path / "cut.db"
    cut.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert runner.invoke(args=["restore", str(cut), "--yes"]).exit_code != 0
    assert customers(app) == 0
    with pytest.raises(BackupError):
        check(tmp_path / "missing.db")


def test_the_scheduler_keeps_one_copy_a_day_and_the_newest_few(app_with, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    app = app_with(BACKUP_DIR=str(folder), BACKUP_KEEP=2)
    start = datetime(2026, 11, 1, 4, tzinfo=UTC)
    for day in range(4):
        assert run_all(app, now=start + timedelta(days=day))["backup.daily"] == 1
    with app.app_context():
        assert daily_backup(start + timedelta(days=3, hours=2)) == 0  # once a day
    assert sorted(p.name for p in folder.iterdir()) == [
        f"crm-2026-11-03{SUFFIX}",
        f"crm-2026-11-04{SUFFIX}",
    ]
    assert check(folder / f"crm-2026-11-04{SUFFIX}").revision
