"""Undoing a committed import exactly, a few hundred customers at a time.

The before-images come back from ``import_rows``: for each customer and field the value before
the batch (the first row's), and the version after the batch's last change, to refuse customers
a person edited since.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.customers.import_commit import apply_values
from crm.customers.import_models import ImportBatch, ImportRow, ImportStatus
from crm.customers.import_plan import snapshot
from crm.customers.imports import require_manager
from crm.customers.models import Customer
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

#: customers the undo loads at once
UNDO_CHUNK = 500


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
        apply_values(customer, before)
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
