"""Importing customers from CSV or XLSX: read, map columns, dry run, commit, exact undo.

The planner (``import_plan``) applies the identity rules (``identity``); the commit plans again
inside its own transaction and, in all-or-nothing mode, applies nothing unless every row is good.
Each change keeps a before-image per customer and field (the value before the batch: the first
one wins), so the undo puts every field back as it was, or refuses where a person edited since.
"""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.import_files import Table, guess_mapping, read_table
from crm.customers.import_plan import (
    FIELDS,
    UPDATABLE,
    RowPlan,
    plan_import,
    snapshot,
    summarise,
    wanted_changes,
)
from crm.customers.models import Customer, ImportBatch, ImportMode, ImportStatus
from crm.customers.services import refresh_search_text, set_phones
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

__all__ = ["FIELDS", "UPDATABLE", "RowPlan", "plan_import", "summarise"]
#: rows not applied (rejected, conflicts, duplicates) kept with the batch for the report
REPORT_ROWS = 10_000


def _require_manager(actor: User) -> None:
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can import customers."))


def start_import(
    *, actor: User, filename: str, data: bytes | IO[bytes]
) -> tuple[ImportBatch, Table]:
    """Check an uploaded file and keep it for the dry run.

    :param data: the file's bytes, or the upload's seekable stream (read a row at a time; its
        bytes are kept only once the file has passed the limits).
    :raises DomainError: for an unreadable file, or one over a limit.
    """
    _require_manager(actor)
    table = read_table(filename, data)
    if not isinstance(data, bytes):
        data.seek(0)
        data = data.read()
    batch = ImportBatch(
        filename=filename[:255],
        content=data,
        created_by_id=actor.id,
        mapping=guess_mapping(table.header),
    )
    db.session.add(batch)
    db.session.flush()
    return batch, table


def batch_table(batch: ImportBatch) -> Table:
    if batch.content is None:
        raise DomainError(_l("This import has already been committed."))
    return read_table(batch.filename, batch.content)


def _report(plans: list[RowPlan]) -> list[dict[str, Any]]:
    return [
        {
            "line": plan.line,
            "action": plan.action,
            "name": plan.name,
            "reason": plan.reason,
            "message": plan.message,
            "customer_id": plan.customer_id,
        }
        for plan in plans
        if plan.action in ("reject", "conflict", "duplicate")
    ][:REPORT_ROWS]


def report_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    """The rows the last dry run or the commit did not apply, with line, reason and message."""
    return list((batch.summary or {}).get("report", []))


def dry_run(
    *, actor: User, batch: ImportBatch, mapping: dict[str, str], mode: str
) -> list[RowPlan]:
    """Plan every row without changing any customer; remembers mapping, mode and counts."""
    _require_manager(actor)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise DomainError(_l("This import has already been committed."))
    table = batch_table(batch)
    plans = plan_import(table, mapping)
    batch.mapping = mapping
    batch.mode = ImportMode(mode).value
    batch.summary = {**summarise(plans, table.encoding), "report": _report(plans)}
    batch.status = ImportStatus.CHECKED.value
    db.session.flush()
    return plans


def _apply_values(customer: Customer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "phones":
            set_phones(customer, value)
        else:
            setattr(customer, name, value)
    refresh_search_text(customer)


def _create(actor: User, batch: ImportBatch, plan: RowPlan) -> None:
    values = dict(plan.values)
    phones = values.pop("phones")
    customer = Customer(
        **values, created_by_id=actor.id, updated_by_id=actor.id, import_batch_id=batch.id
    )
    set_phones(customer, phones)
    refresh_search_text(customer)
    db.session.add(customer)


def _update(actor: User, plan: RowPlan, previous: dict[str, dict[str, Any]]) -> None:
    customer = db.session.get(Customer, plan.customer_id)
    before = snapshot(customer)
    changes = wanted_changes(before, plan.values)
    if not changes:
        return
    _apply_values(customer, changes)
    customer.updated_by_id = actor.id
    db.session.flush()
    entry = previous.setdefault(str(customer.id), {"before": {}, "version": None})
    for name in changes:
        # The value before the batch: a later row of the same file must not overwrite it.
        entry["before"].setdefault(name, before[name])
    entry["version"] = customer.version
    record(
        action=AuditAction.CUSTOMER_UPDATED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={k: [before[k], changes[k]] for k in changes},
    )


def commit_import(*, actor: User, batch: ImportBatch) -> list[RowPlan]:
    """Apply the checked import: new and updated rows; conflicts, duplicates and rejected
    rows are left for a person. In all-or-nothing mode a single rejected row applies nothing.

    :raises DomainError: when the dry run has not been run, or (all-or-nothing) rows are bad;
        the caller then rolls back.
    """
    _require_manager(actor)
    if batch.status != ImportStatus.CHECKED:
        raise DomainError(_l("Run the dry run before committing."))
    table = batch_table(batch)
    plans = plan_import(table, batch.mapping)
    counts = summarise(plans, table.encoding)
    if counts["rejected"] and batch.mode == ImportMode.ALL_OR_NOTHING:
        raise DomainError(
            _l("%(n)d rows are invalid, so nothing was imported.", n=counts["rejected"])
        )
    previous: dict[str, dict[str, Any]] = {}
    for plan in plans:
        if plan.action == "create":
            _create(actor, batch, plan)
        elif plan.action == "update":
            _update(actor, plan, previous)
    batch.status = ImportStatus.COMMITTED.value
    batch.committed_at = utcnow()
    batch.created_count = counts["new"]
    batch.updated_count = len(previous)
    batch.previous_values = previous
    batch.summary = {**counts, "report": _report(plans)}
    batch.content = None
    db.session.flush()
    record(
        action=AuditAction.CUSTOMERS_IMPORTED,
        actor=actor,
        object_type="import",
        object_id=batch.id,
        details={"file": batch.filename, **counts, "changed": len(previous)},
    )
    return plans


def undo_import(*, actor: User, batch: ImportBatch) -> dict[str, Any]:
    """Put the archive back as it was before the batch: its new customers are soft-deleted,
    updated ones get each changed field's value from before the batch. A customer a person
    changed since is refused (listed, not touched).

    :returns: {"deleted": n, "restored": n, "refused": [customer ids changed since]}
    """
    _require_manager(actor)
    if batch.status != ImportStatus.COMMITTED:
        raise DomainError(_l("Only a committed import can be undone."))
    now = utcnow()
    created = db.session.scalars(
        select(Customer).where(Customer.import_batch_id == batch.id, Customer.deleted_at.is_(None))
    ).all()
    refused: list[int] = []
    deleted = 0
    for customer in created:
        if customer.version != 1:
            refused.append(customer.id)
            continue
        customer.deleted_at = now
        customer.deleted_by_id = actor.id
        deleted += 1
    restored = 0
    for customer_id, saved in batch.previous_values.items():
        customer = db.session.get(Customer, int(customer_id))
        if customer is None or customer.is_deleted or customer.version != saved["version"]:
            refused.append(int(customer_id))
            continue
        current = snapshot(customer)
        _apply_values(customer, saved["before"])
        customer.updated_by_id = actor.id
        db.session.flush()
        record(
            action=AuditAction.CUSTOMER_UPDATED,
            actor=actor,
            object_type="customer",
            object_id=customer.id,
            details={k: [current[k], v] for k, v in saved["before"].items()},
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
