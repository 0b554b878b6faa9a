"""Importing customers from CSV or XLSX: upload, map columns (or use a saved template), dry run.

The planner (``import_plan``) applies the identity rules (``identity``) a chunk of rows at a
time; each row's outcome is written to ``import_rows`` as the chunk is done, so no step holds a
whole file's outcomes. The commit is in ``import_commit``, the undo in ``import_undo``; the
scheduler runs all three as background jobs (``import_jobs``), the CLI in its own process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from flask import current_app
from sqlalchemy import Row, delete, func, insert, select

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.import_files import Table, guess_mapping, read_table
from crm.customers.import_models import (
    ImportBatch,
    ImportMode,
    ImportRow,
    ImportStatus,
    ImportTemplate,
)
from crm.customers.import_plan import (
    FIELDS,
    UPDATABLE,
    RowPlan,
    check_mapping,
    plan_chunks,
    plan_import,
    summarise,
)
from crm.customers.import_store import keep_file, stored_file
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

__all__ = ["FIELDS", "UPDATABLE", "RowPlan", "plan_import", "summarise"]
#: the outcomes of rows not applied, listed in the report
NOT_APPLIED = ("reject", "conflict", "duplicate")
#: (done, total) after each chunk; the job's edge commits there, a direct call only flushes
Checkpoint = Callable[[int, int], None]


def flush_only(_done: int, _total: int) -> None:
    db.session.flush()


def require_manager(actor: User) -> None:
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can import customers."))


def start_import(
    *, actor: User, filename: str, data: bytes | IO[bytes], template: ImportTemplate | None = None
) -> tuple[ImportBatch, Table]:
    """Check an uploaded file and keep it for the dry run.

    :param data: the file's bytes, or the upload's seekable stream (read a row at a time; its
        bytes are kept only once the file has passed the limits).
    :param template: a saved mapping to start from instead of the guesses from the header.
    :raises DomainError: for an unreadable file, or one over a limit.
    """
    require_manager(actor)
    table = read_table(filename, data)
    mapping = guess_mapping(table.header)
    if template is not None:
        mapping = template_mapping(template, table.header)
    batch = ImportBatch(filename=filename[:255], created_by_id=actor.id, mapping=mapping)
    db.session.add(batch)
    db.session.flush()
    keep_file(batch, data)
    return batch, table


def batch_table(batch: ImportBatch) -> Table:
    source = stored_file(batch)
    if source is None:
        raise DomainError(_l("This import has already been committed."))
    return read_table(batch.filename, source)


def template_mapping(template: ImportTemplate, header: list[str]) -> dict[str, str]:
    """A template's mapping (by column title) for a file's columns (by position)."""
    by_title = {title.strip().lower(): target for title, target in template.mapping.items()}
    return {
        str(index): by_title[title.strip().lower()]
        for index, title in enumerate(header)
        if title.strip().lower() in by_title
    }


def find_template(name: str) -> ImportTemplate | None:
    return db.session.scalar(select(ImportTemplate).where(ImportTemplate.name == name.strip()))


def save_template(
    *, actor: User, name: str, source: str, header: list[str], mapping: dict[str, str]
) -> ImportTemplate:
    """Keep a column mapping under a name for the next file from the same source; saving
    under an existing name replaces that template's mapping.

    :raises DomainError: for an empty or too long name.
    """
    require_manager(actor)
    name, source = name.strip(), source.strip()
    if not name or len(name) > 60:
        raise DomainError(_l("Name the template (at most 60 characters)."), field="template")
    by_title = {
        header[int(index)].strip(): target
        for index, target in mapping.items()
        if int(index) < len(header) and header[int(index)].strip()
    }
    template = find_template(name) or ImportTemplate(name=name, created_by_id=actor.id)
    template.source = source[:100]
    template.mapping = by_title
    db.session.add(template)
    db.session.flush()
    return template


def _storable(text: str) -> str:
    """The text without NUL characters, which PostgreSQL's text columns refuse (a row holding
    one is rejected for it, and its report still names it)."""
    return text.replace("\x00", "")


def row_values(batch: ImportBatch, plan: RowPlan) -> dict[str, Any]:
    """An ``import_rows`` row for a plan."""
    return {
        "batch_id": batch.id,
        "line": plan.line,
        "action": plan.action,
        "name": _storable(plan.name),
        "reason": plan.reason,
        "message": _storable(plan.message),
        "warnings": _storable("\n".join(plan.warnings)),
        "warning_count": len(plan.warnings),
        "customer_id": plan.customer_id,
        "before": None,
        "version": None,
    }


def write_rows(rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(ImportRow.__table__), rows)


def count_outcomes(batch: ImportBatch, encoding: str | None) -> dict[str, Any]:
    """The counts per outcome from the rows written, as the dry run, commit and CLI report."""
    actions: dict[str, int] = {}
    reasons: dict[str, int] = {}
    warnings = 0
    query = (
        select(ImportRow.action, ImportRow.reason, func.count(), func.sum(ImportRow.warning_count))
        .where(ImportRow.batch_id == batch.id)
        .group_by(ImportRow.action, ImportRow.reason)
    )
    for action, reason, count, warned in db.session.execute(query):
        actions[action] = actions.get(action, 0) + count
        warnings += warned or 0
        if action == "reject":
            reasons[reason] = reasons.get(reason, 0) + count
    return {
        "rows": sum(actions.values()),
        "new": actions.get("create", 0),
        "updated": actions.get("update", 0),
        "unchanged": actions.get("unchanged", 0),
        "duplicates_in_file": actions.get("duplicate", 0),
        "conflicts": actions.get("conflict", 0),
        "rejected": actions.get("reject", 0),
        "rejected_by_reason": dict(sorted(reasons.items())),
        "warnings": warnings,
        "encoding": encoding,
    }


def choose(*, actor: User, batch: ImportBatch, mapping: dict[str, str], mode: str) -> None:
    """Remember the mapping and mode for the dry run, refusing what cannot be planned."""
    require_manager(actor)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise DomainError(_l("This import has already been committed."))
    check_mapping(mapping)
    batch.mapping = mapping
    batch.mode = ImportMode(mode).value
    db.session.flush()


def dry_run(
    *,
    actor: User,
    batch: ImportBatch,
    mapping: dict[str, str],
    mode: str,
    checkpoint: Checkpoint = flush_only,
) -> dict[str, Any]:
    """Plan every row without changing any customer, writing each row's outcome; remembers
    mapping, mode and counts.

    :param checkpoint: called after each chunk with (rows done, rows in the file).
    :returns: the counts (``count_outcomes``).
    """
    choose(actor=actor, batch=batch, mapping=mapping, mode=mode)
    if batch.committed_through:
        raise DomainError(_l("This import has already been committed."))
    table = batch_table(batch)
    db.session.execute(delete(ImportRow).where(ImportRow.batch_id == batch.id))
    size = current_app.config["IMPORT_CHUNK_ROWS"]
    for chunk in plan_chunks(table, mapping, size=size):
        write_rows([row_values(batch, plan) for plan in chunk.plans])
        checkpoint(chunk.done, table.row_count)
    batch.summary = count_outcomes(batch, table.encoding)
    batch.status = ImportStatus.CHECKED.value
    db.session.flush()
    return batch.summary


def outcome_rows(
    batch: ImportBatch, actions: tuple[str, ...] | None = None, after_line: int = 0
) -> Iterator[Row[Any]]:
    """The batch's rows in file order (of these outcomes), read a page at a time as plain rows
    (not kept by the session, so a million of them pass through in bounded memory)."""
    rows = ImportRow.__table__
    while True:
        query = select(rows).where(rows.c.batch_id == batch.id, rows.c.line > after_line)
        if actions:
            query = query.where(rows.c.action.in_(actions))
        page = list(db.session.execute(query.order_by(rows.c.line).limit(1000)))
        yield from page
        if len(page) < 1000:
            return
        after_line = page[-1].line


def report_rows(batch: ImportBatch) -> Iterator[Row[Any]]:
    """The rows the last dry run or the commit did not apply, with line, reason and message."""
    return outcome_rows(batch, NOT_APPLIED)
