"""``flask import-customers`` and ``flask import-undo``: the import pipeline for cron and ops.

Thin: the same services as the pages (``imports``); each command prints one JSON object on the
last line of its output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.auth.services import find_user_by_username
from crm.customers import import_commit, import_undo, imports
from crm.customers.import_models import ImportBatch, ImportMode
from crm.errors import DomainError
from crm.extensions import db

#: the counts the import command reports, in this order
REPORTED = (
    "rows",
    "new",
    "updated",
    "unchanged",
    "duplicates_in_file",
    "conflicts",
    "rejected",
    "rejected_by_reason",
    "warnings",
    "encoding",
)


def _actor(username: str | None) -> User:
    """The named user, or else the first active user who may manage customers."""
    if username:
        user = find_user_by_username(username)
        if user is None or not user.active:
            raise click.ClickException(f"There is no active user {username!r}.")
        return user
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        if user.can(Permission.CUSTOMERS_MANAGE):
            return user
    raise click.ClickException("No user may import customers; pass --as USERNAME.")


def _commit_chunk(_done: int, _total: int) -> None:
    db.session.commit()


def _emit(result: dict[str, Any]) -> None:
    click.echo(json.dumps(result, ensure_ascii=False))


@click.command("import-customers")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", "apply", is_flag=True, help="Apply the import (else: dry run only).")
@click.option("--as", "username", help="The user the import is done as (audited).")
@click.option("--template", help="The saved column mapping of this name (see the import page).")
def import_customers_command(
    path: Path, apply: bool, username: str | None, template: str | None
) -> None:
    """Import customers from a CSV or XLSX file; without --commit, a dry run that changes
    nothing. Valid rows are imported, the others reported."""
    saved = imports.find_template(template) if template else None
    if template and saved is None:
        raise click.ClickException(f"unknown template {template!r}")
    actor = _actor(username)
    try:
        with path.open("rb") as stream:
            batch, _table = imports.start_import(
                actor=actor, filename=path.name, data=stream, template=saved
            )
        imports.dry_run(
            actor=actor, batch=batch, mapping=batch.mapping, mode=ImportMode.SKIP_INVALID
        )
        if apply:
            # Each chunk is its own transaction, as in the scheduler's job.
            import_commit.commit_import(actor=actor, batch=batch, checkpoint=_commit_chunk)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    for row in imports.outcome_rows(batch, ("reject", "conflict")):
        click.echo(f"line {row.line}: {row.action}: {row.message}")
    summary = {key: batch.summary.get(key) for key in REPORTED}
    if apply:
        db.session.commit()
        _emit({"batch": batch.id, **summary})
    else:
        db.session.rollback()  # the dry run leaves nothing behind, not even the batch
        _emit({"batch": None, **summary})


@click.command("import-undo")
@with_appcontext
@click.argument("batch_id", type=int)
@click.option("--as", "username", help="The user the undo is done as (audited).")
def import_undo_command(batch_id: int, username: str | None) -> None:
    """Undo a committed import: every field back as before it, except on customers changed
    since (refused and listed)."""
    actor = _actor(username)
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"There is no import {batch_id}.")
    try:
        result = import_undo.undo_import(actor=actor, batch=batch)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    for customer_id in result["refused"]:
        click.echo(f"customer {customer_id}: changed since the import, left as it is")
    restored = result["restored"] + result["deleted"]
    _emit({"batch": batch.id, "restored": restored, "refused": len(result["refused"])})
