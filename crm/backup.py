"""Backups: consistent copies of the live database, each checked; restoring one; and the
scheduler's daily copy with rotation. SQLite through its online backup API, checked with
``PRAGMA integrity_check``; PostgreSQL with pg_dump and pg_restore (crm/backup_pg.py), the
archive's contents read back as the check.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from crm import backup_pg
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


def _on_postgres() -> bool:
    return db.engine.url.get_backend_name() == "postgresql"


def _live_path() -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError("This database is neither SQLite nor PostgreSQL.")
    return Path(url.database)


def _check_dump(path: Path) -> BackupInfo:
    try:
        revision = backup_pg.revision(path)
    except backup_pg.ToolError as error:
        raise BackupError(f"{path} is not a readable pg_dump archive: {error}") from None
    if revision is None:
        raise BackupError(f"{path} has no migration version: not a CRM database.")
    return BackupInfo(path, path.stat().st_size, revision)


def check(path: Path) -> BackupInfo:
    """Open a backup read-only and check it.

    :raises BackupError: when it is missing, corrupt, or not a CRM database.
    """
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    if backup_pg.is_dump(path):
        return _check_dump(path)
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
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if _on_postgres():
        try:
            backup_pg.dump(db.engine.url, partial)
        except backup_pg.ToolError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(str(error)) from None
    else:
        _copy_sqlite(partial)
    try:
        check(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    return check(target)


def _copy_sqlite(partial: Path) -> None:
    _live_path()
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


def restore_from(source: Path) -> BackupInfo:
    """Replace the live database's content with a checked backup. Stop the web workers and
    the scheduler first: they would keep writing to the replaced database.

    :raises BackupError: for a backup that fails its check.
    """
    info = check(source)
    if _on_postgres() != backup_pg.is_dump(source):
        raise BackupError(f"{source} is a backup of the other kind of database.")
    db.session.remove()
    if _on_postgres():
        db.engine.dispose()
        try:
            backup_pg.restore(db.engine.url, source)
        except backup_pg.ToolError as error:
            raise BackupError(str(error)) from None
        return info
    _live_path()
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
    keeping the newest CRM_BACKUP_KEEP (``.db`` files from SQLite, pg_dump's ``.dump`` archives
    from PostgreSQL). Off while CRM_BACKUP_DIR is empty.

    :returns: 1 when a copy was made.
    """
    folder = current_app.config["BACKUP_DIR"]
    if not folder:
        return 0
    directory = Path(folder)
    suffix = ".dump" if _on_postgres() else ".db"
    target = directory / f"{DAILY_PREFIX}{department_today(now).isoformat()}{suffix}"
    made = 0
    if not target.exists():
        backup_to(target)
        made = 1
    kept = sorted(directory.glob(f"{DAILY_PREFIX}*{suffix}"), reverse=True)
    for old in kept[current_app.config["BACKUP_KEEP"] :]:
        old.unlink()
    return made
