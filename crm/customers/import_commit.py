"""Committing a checked import a chunk at a time, and undoing it exactly.

Each chunk (its new and updated customers, its rows' outcomes with the before-image of every
field a row changed, and the checkpoint line) is one transaction when the caller's checkpoint
commits, so a commit resumed after a crash starts after the last committed line and does no row
twice. The undo reads the before-images back a few hundred customers at a time: for each
customer and field the value before the batch (the first row's), and the version after the
batch's last change, to refuse customers a person edited since.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.customers.import_plan import RowPlan, plan_chunks, snapshot, wanted_changes
from crm.customers.imports import (
    Checkpoint,
    batch_table,
    count_outcomes,
    flush_only,
    require_manager,
    row_values,
    write_rows,
)
from crm.customers.models import (
    Customer,
    CustomerPhone,
    ImportBatch,
    ImportMode,
    ImportRow,
    ImportStatus,
    Tier,
)
from crm.customers.search import build_search_grams, build_search_text
from crm.customers.services import refresh_search_text, set_phones
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.i18n import ngettext

#: customers the undo loads at once
UNDO_CHUNK = 500


def _apply_values(customer: Customer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "phones":
            set_phones(customer, value)
        else:
            setattr(customer, name, value)
    refresh_search_text(customer)


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
    ids = db.session.scalars(
        insert(Customer).returning(Customer.id, sort_by_parameter_order=True), customers
    ).all()
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
    db.session.execute(insert(CustomerPhone), phones)


def _update(actor: User, plan: RowPlan, row: dict[str, Any]) -> None:
    """Apply a row to its customer, keeping in ``row`` what each changed field was before."""
    customer = db.session.get(Customer, plan.customer_id)
    before = snapshot(customer)
    changes = wanted_changes(before, plan.values)
    if not changes:
        return
    _apply_values(customer, changes)
    customer.updated_by_id = actor.id
    db.session.flush()
    row["before"] = {name: before[name] for name in changes}
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
        rows = []
        for plan in chunk.plans:
            row = row_values(batch, plan)
            if plan.action == "update":
                _update(actor, plan, row)
            rows.append(row)
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
    batch.content = None
    db.session.flush()
    record(
        action=AuditAction.CUSTOMERS_IMPORTED,
        actor=actor,
        object_type="import",
        object_id=batch.id,
        details={"file": batch.filename, **counts, "changed": batch.updated_count},
    )
    return counts


def _before_images(batch: ImportBatch) -> Iterator[tuple[int, dict[str, Any], int]]:
    """(customer id, each changed field's value before the batch, version after the batch's
    last change), a few hundred customers at a time."""
    after = 0
    while True:
        ids = list(
            db.session.scalars(
                select(ImportRow.customer_id)
                .where(
                    ImportRow.batch_id == batch.id,
                    ImportRow.before.is_not(None),
                    ImportRow.customer_id > after,
                )
                .group_by(ImportRow.customer_id)
                .order_by(ImportRow.customer_id)
                .limit(UNDO_CHUNK)
            )
        )
        if not ids:
            return
        merged: dict[int, tuple[dict[str, Any], int]] = {}
        query = (
            select(ImportRow.customer_id, ImportRow.before, ImportRow.version)
            .where(
                ImportRow.batch_id == batch.id,
                ImportRow.before.is_not(None),
                ImportRow.customer_id.in_(ids),
            )
            .order_by(ImportRow.line)
        )
        for customer_id, before, version in db.session.execute(query):
            fields, _ = merged.get(customer_id, ({}, 0))
            for name, value in before.items():
                # The value before the batch: a later row of the same file must not win.
                fields.setdefault(name, value)
            merged[customer_id] = (fields, version)
        for customer_id in ids:
            fields, version = merged[customer_id]
            yield customer_id, fields, version
        after = ids[-1]


def _created(batch: ImportBatch) -> Iterator[list[Customer]]:
    after = 0
    while True:
        page = list(
            db.session.scalars(
                select(Customer)
                .where(
                    Customer.import_batch_id == batch.id,
                    Customer.deleted_at.is_(None),
                    Customer.id > after,
                )
                .order_by(Customer.id)
                .limit(UNDO_CHUNK)
            )
        )
        if not page:
            return
        yield page
        after = page[-1].id


def undo_import(*, actor: User, batch: ImportBatch) -> dict[str, Any]:
    """Put the archive back as it was before the batch: its new customers are soft-deleted,
    updated ones get each changed field's value from before the batch. A customer a person
    changed since is refused (listed, not touched).

    :returns: {"deleted": n, "restored": n, "refused": [customer ids changed since]}
    """
    require_manager(actor)
    if batch.status != ImportStatus.COMMITTED:
        raise DomainError(_l("Only a committed import can be undone."))
    now = utcnow()
    refused: list[int] = []
    deleted = 0
    for page in _created(batch):
        for customer in page:
            if customer.version != 1:
                refused.append(customer.id)
                continue
            customer.deleted_at = now
            customer.deleted_by_id = actor.id
            deleted += 1
        db.session.flush()
    restored = 0
    for customer_id, before, version in _before_images(batch):
        customer = db.session.get(Customer, customer_id)
        if customer is None or customer.is_deleted or customer.version != version:
            refused.append(customer_id)
            continue
        current = snapshot(customer)
        _apply_values(customer, before)
        customer.updated_by_id = actor.id
        db.session.flush()
        record(
            action=AuditAction.CUSTOMER_UPDATED,
            actor=actor,
            object_type="customer",
            object_id=customer.id,
            details={k: [current[k], v] for k, v in before.items()},
        )
        restored += 1
    batch.status = ImportStatus.UNDONE.value
    batch.undone_at = now
    batch.undone_by_id = actor.id
    db.session.flush()
    result = {"deleted": deleted, "restored": restored, "refused": sorted(refused)}
    record(
        action=AuditAction.IMPORT_UNDONE,
        actor=actor,
        object_type="import",
        object_id=batch.id,
        details=result,
    )
    return result
