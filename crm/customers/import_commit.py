"""Committing a checked import a chunk at a time (the undo is in ``import_undo``).

Each chunk (its new and updated customers, its rows' outcomes with the before-image of every
field a row changed, and the checkpoint line) is one transaction when the caller's checkpoint
commits, so a commit resumed after a crash starts after the last committed line and does no row
twice. Each updated row keeps the before-image of the fields it changed, for the undo.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.customers.import_models import ImportBatch, ImportMode, ImportRow, ImportStatus
from crm.customers.import_plan import RowPlan, plan_chunks, snapshot, wanted_changes
from crm.customers.import_store import clear_file
from crm.customers.imports import (
    Checkpoint,
    batch_table,
    count_outcomes,
    flush_only,
    require_manager,
    row_values,
    write_rows,
)
from crm.customers.models import Customer, CustomerPhone, Tier
from crm.customers.search import build_search_grams, build_search_text
from crm.customers.services import refresh_search_text, set_phones
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.i18n import ngettext

#: the tables, not the ORM classes: the ORM's bulk insert costs more per row than SQLite does
CUSTOMERS = Customer.__table__


def apply_values(customer: Customer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "phones":
            set_phones(customer, value)
        else:
            setattr(customer, name, value)
    refresh_search_text(customer)


def _insert_customers(customers: list[dict[str, Any]]) -> list[int]:
    """Insert rows into ``customers``, returning their ids in the rows' order.

    SQLite cannot promise RETURNING's order for a many-row INSERT, so SQLAlchemy would insert
    one row per statement there (most of a large import's time). Instead the first row is
    inserted alone, which takes SQLite's single write lock until the chunk commits, and the
    others get the ids after it: no other writer can take them meanwhile. PostgreSQL orders
    RETURNING itself, many rows a statement.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        return list(
            db.session.scalars(
                insert(CUSTOMERS).returning(CUSTOMERS.c.id, sort_by_parameter_order=True), customers
            )
        )
    first = db.session.scalar(insert(CUSTOMERS).returning(CUSTOMERS.c.id), customers[0])
    ids = list(range(first, first + len(customers)))
    rest = [{**row, "id": id_} for row, id_ in zip(customers[1:], ids[1:], strict=True)]
    if rest:
        db.session.execute(insert(CUSTOMERS), rest)
    return ids


def _create_all(actor: User, batch: ImportBatch, plans: list[RowPlan]) -> None:
    """Insert a chunk's new customers and their phones in two statements: the ORM unit of
    work, one object at a time, was most of a large import's time."""
    if not plans:
        return
    now = utcnow()
    customers = []
    for plan in plans:
        values = {name: value for name, value in plan.values.items() if name != "phones"}
        text = build_search_text(
            name=values["name"],
            company=values.get("company"),
            email=values.get("email"),
            phones=plan.values["phones"],
        )
        customers.append(
            {
                "tier": Tier.NORMAL.value,
                **values,
                "search_text": text,
                "search_grams": build_search_grams(text),
                "created_by_id": actor.id,
                "updated_by_id": actor.id,
                "import_batch_id": batch.id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = _insert_customers(customers)
    phones = [
        {
            "customer_id": customer_id,
            "number": number,
            "digits_reversed": number.lstrip("+")[::-1],
            "is_primary": position == 0,
        }
        for customer_id, plan in zip(ids, plans, strict=True)
        for position, number in enumerate(plan.values["phones"])
    ]
    db.session.execute(insert(CustomerPhone.__table__), phones)


def _update_all(actor: User, updates: list[tuple[Customer, RowPlan, dict[str, Any]]]) -> None:
    """Apply a chunk's updating rows to their customers in one flush, keeping in each row what
    each changed field was before (for the undo)."""
    changed = []
    for customer, plan, row in updates:
        before = snapshot(customer)
        changes = wanted_changes(before, plan.values)
        if changes:
            apply_values(customer, changes)
            customer.updated_by_id = actor.id
            row["before"] = {name: before[name] for name in changes}
            changed.append((customer, row, before, changes))
    db.session.flush()
    for customer, row, before, changes in changed:
        row["version"] = customer.version
        record(
            action=AuditAction.CUSTOMER_UPDATED,
            actor=actor,
            object_type="customer",
            object_id=customer.id,
            details={k: [before[k], changes[k]] for k in changes},
        )


def commit_import(
    *, actor: User, batch: ImportBatch, checkpoint: Checkpoint = flush_only
) -> dict[str, Any]:
    """Apply the checked import, from its checkpoint on: new and updated rows; conflicts,
    duplicates and rejected rows are left for a person. In all-or-nothing mode a single row
    the dry run rejected applies nothing (a rejection depends on the file and the mapping
    only, both fixed since the dry run).

    :param checkpoint: called after each chunk with (rows done, rows in the file); commits
        there to make each chunk its own transaction.
    :returns: the counts (``count_outcomes``).
    :raises DomainError: when the dry run has not been run, or (all-or-nothing) rows are bad;
        the caller then rolls back.
    """
    require_manager(actor)
    if batch.status != ImportStatus.CHECKED:
        raise DomainError(_l("Run the dry run before committing."))
    rejected = batch.summary.get("rejected", 0)
    if rejected and batch.mode == ImportMode.ALL_OR_NOTHING:
        raise DomainError(
            ngettext(
                "%(num)d row is invalid, so nothing was imported.",
                "%(num)d rows are invalid, so nothing was imported.",
                rejected,
            )
        )
    table = batch_table(batch)
    size = current_app.config["IMPORT_CHUNK_ROWS"]
    for chunk in plan_chunks(table, batch.mapping, size=size, after_line=batch.committed_through):
        rows = [row_values(batch, plan) for plan in chunk.plans]
        _update_all(
            actor,
            [
                (chunk.customers[plan.customer_id], plan, row)
                for plan, row in zip(chunk.plans, rows, strict=True)
                if plan.action == "update"
            ],
        )
        _create_all(actor, batch, [plan for plan in chunk.plans if plan.action == "create"])
        first, last = chunk.plans[0].line, chunk.plans[-1].line
        db.session.execute(
            delete(ImportRow).where(
                ImportRow.batch_id == batch.id, ImportRow.line.between(first, last)
            )
        )
        write_rows(rows)
        batch.committed_through = last
        db.session.flush()
        checkpoint(chunk.done, table.row_count)
        # What the next chunk needs is in the database; the session need not keep this one's.
        db.session.expire_all()
    counts = count_outcomes(batch, table.encoding)
    batch.status = ImportStatus.COMMITTED.value
    batch.committed_at = utcnow()
    batch.created_count = counts["new"]
    batch.updated_count = db.session.scalar(
        select(func.count(func.distinct(ImportRow.customer_id))).where(
            ImportRow.batch_id == batch.id, ImportRow.before.is_not(None)
        )
    )
    batch.summary = counts
    clear_file(batch)
    db.session.flush()
    record(
        action=AuditAction.CUSTOMERS_IMPORTED,
        actor=actor,
        object_type="import",
        object_id=batch.id,
        details={"file": batch.filename, **counts, "changed": batch.updated_count},
    )
    return counts
