"""Backups of a PostgreSQL database with PostgreSQL's own tools: ``pg_dump --format=custom``
(one consistent snapshot while the app runs) and ``pg_restore`` into the live database in one
transaction. crm/backup.py picks these for a PostgreSQL database and SQLite's backup API
otherwise, so `flask backup`, `flask restore` and the daily copy work the same on both.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL

#: the first bytes of a pg_dump archive in the custom format
MAGIC = b"PGDMP"
#: objects left out of a restore: the extension belongs to the database's administrator
#: (README, "PostgreSQL"), the application's user may not drop or create it
_SKIPPED = re.compile(r"^\d+; \d+ \d+ (EXTENSION|COMMENT - EXTENSION) ")


class ToolError(Exception):
    """pg_dump or pg_restore failed or is missing; the message says why."""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _connection(url: URL) -> tuple[str, dict[str, str]]:
    """libpq's form of the URL (no driver suffix) and an environment with the password, which
    stays out of the command line that every user of the host can read."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603 - fixed tools, our arguments
    if done.returncode != 0:
        raise ToolError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def is_dump(path: Path) -> bool:
    with path.open("rb") as start:
        return start.read(len(MAGIC)) == MAGIC


def dump(url: URL, target: Path) -> None:
    """Write the database to ``target`` in pg_dump's custom format (compressed)."""
    dsn, env = _connection(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", dsn], env)


def revision(path: Path) -> str | None:
    """The migration the dump is at (its alembic_version row), read from the archive; the
    archive's table of contents must be readable whole for this to work at all."""
    _run([_tool("pg_restore"), "--list", str(path)])
    script = _run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)]
    )
    rows = script.split("FROM stdin;\n", 1)
    if len(rows) < 2 or rows[1].startswith("\\."):
        return None
    return rows[1].split("\n", 1)[0].strip()


def restore(url: URL, source: Path) -> None:
    """Replace the database's tables with the dump's, in one transaction: a failure leaves the
    database as it was."""
    dsn, env = _connection(url)
    listing = _run([_tool("pg_restore"), "--list", str(source)])
    with tempfile.NamedTemporaryFile("w", suffix=".list") as kept:
        kept.write("".join(line for line in listing.splitlines(True) if not _SKIPPED.match(line)))
        kept.flush()
        _run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--use-list={kept.name}", f"--dbname={dsn}", str(source)],
            env,
        )  # fmt: skip
