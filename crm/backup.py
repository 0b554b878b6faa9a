"""Backups of the SQLite database: consistent copies of a live database through SQLite's online
backup API, each checked with ``PRAGMA integrity_check``; restoring one; and the scheduler's
daily copy with rotation. PostgreSQL is backed up with pg_dump (README, "Backups").
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from crm.extensions import db
from crm.timezones import department_today

DAILY_PREFIX = "crm-"


class BackupError(Exception):
    """A backup could not be made, checked or restored; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    #: the migration the copy is at
    revision: str


def _live_path() -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(
            "Only SQLite databases are backed up by the CRM; back up PostgreSQL with pg_dump."
        )
    return Path(url.database)


def check(path: Path) -> BackupInfo:
    """Open a backup read-only and check it.

    :raises BackupError: when it is missing, corrupt, or not a CRM database.
    """
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} failed the integrity check: {verdict}")
            revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from None
    if revision is None:
        raise BackupError(f"{path} has no migration version: not a CRM database.")
    return BackupInfo(path, path.stat().st_size, revision[0])


def backup_to(target: Path) -> BackupInfo:
    """Copy the live database to ``target`` (written beside it first, then renamed, so a
    failed copy never leaves a half file under the name) and check the copy.

    :raises BackupError: when the target exists or the copy fails its check.
    """
    _live_path()
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(partial)) as copy:
            # One step: the source is read under one snapshot, so the copy is consistent even
            # while web workers write.
            raw.driver_connection.backup(copy)
            # A copy in rollback-journal mode is one self-contained file, and opening it
            # read-only creates no -wal or -shm files beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        raw.close()
    try:
        check(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    return check(target)


def restore_from(source: Path) -> BackupInfo:
    """Replace the live database's content with a checked backup. Stop the web workers and
    the scheduler first: they would keep writing to the replaced database.

    :raises BackupError: for a backup that fails its check.
    """
    info = check(source)
    _live_path()
    db.session.remove()
    raw = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as copy:
            copy.backup(raw.driver_connection)
        verdict = raw.driver_connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        raw.close()
    db.engine.dispose()
    if verdict != "ok":
        raise BackupError(f"The restored database failed the integrity check: {verdict}")
    return info


def daily_backup(now: datetime) -> int:
    """The scheduler's job: once a day, a checked copy in CRM_BACKUP_DIR named by the date,
    keeping the newest CRM_BACKUP_KEEP. Off while CRM_BACKUP_DIR is empty or on PostgreSQL.

    :returns: 1 when a copy was made.
    """
    folder = current_app.config["BACKUP_DIR"]
    if not folder or db.engine.url.get_backend_name() != "sqlite":
        return 0
    directory = Path(folder)
    target = directory / f"{DAILY_PREFIX}{department_today(now).isoformat()}.db"
    made = 0
    if not target.exists():
        backup_to(target)
        made = 1
    kept = sorted(directory.glob(f"{DAILY_PREFIX}*.db"), reverse=True)
    for old in kept[current_app.config["BACKUP_KEEP"] :]:
        old.unlink()
    return made
