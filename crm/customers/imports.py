"""Importing customers from CSV or XLSX: read, map columns, dry run, commit, undo.

The dry run and the commit share one planner, so what the dry run reports is what the commit
does; the commit plans again inside its own transaction and, in all-or-nothing mode, applies
nothing unless every row is good.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.import_files import Table, guess_mapping, read_table
from crm.customers.models import (
    Customer,
    CustomerPhone,
    ImportBatch,
    ImportMode,
    ImportStatus,
    Tier,
)
from crm.customers.phones import split_phone_input
from crm.customers.services import ProfileInput, clean_profile, refresh_search_text, set_phones
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

#: the customer fields a column can feed; several columns may feed "phones"
FIELDS = ("name", "phones", "email", "company", "region", "industry", "tags", "notes", "tier")
TIER_WORDS = {
    "normal": Tier.NORMAL,
    "普通": Tier.NORMAL,
    "vip": Tier.VIP,
    "key": Tier.KEY,
    "关键客户": Tier.KEY,
    "重点客户": Tier.KEY,
    "key account": Tier.KEY,
}
#: fields an update may change and an undo puts back
UPDATABLE = ("name", "company", "email", "region", "industry", "tags", "notes", "tier", "phones")


@dataclass
class RowPlan:
    #: the line in the file (the header is line 1)
    line: int
    action: str  # "create", "update" or "reject"
    name: str
    message: str = ""
    customer_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)


def _row_input(row: list[str], mapping: dict[str, str]) -> tuple[ProfileInput, str | None]:
    values: dict[str, Any] = {"name": "", "phones": []}
    tier = None
    for index, target in mapping.items():
        cell = row[int(index)] if int(index) < len(row) else ""
        if target == "phones":
            values["phones"].extend(split_phone_input(cell))
        elif target == "tags":
            values["tags"] = cell.replace("，", ",").split(",")
        elif target == "tier":
            tier = cell
        elif target in FIELDS:
            values[target] = cell
    return ProfileInput(**values), tier


def _existing_by_key(keys: set[str], column: Any, join_phone: bool) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(column, Customer.id).where(Customer.deleted_at.is_(None), column.in_(chunk))
        if join_phone:
            query = query.join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
        for key, customer_id in db.session.execute(query):
            found[key].add(customer_id)
    return found


def plan_import(table: Table, mapping: dict[str, str]) -> list[RowPlan]:
    """What each row would do: create a customer, update the one with the same phone or e-mail
    (upsert), or be rejected, with the reason."""
    if "name" not in mapping.values():
        raise DomainError(_l("Choose which column holds the customer's name."), field="mapping")
    if not {"phones", "email"} & set(mapping.values()):
        raise DomainError(
            _l("Choose a column with phone numbers or e-mail addresses."), field="mapping"
        )
    plans: list[RowPlan] = []
    for offset, row in enumerate(table.iter_rows()):
        data, tier_text = _row_input(row, mapping)
        plan = RowPlan(line=offset + 2, action="create", name=(data.name or "").strip()[:100])
        try:
            plan.values = clean_profile(data)
            if tier_text:
                tier = TIER_WORDS.get(tier_text.strip().lower())
                if tier is None:
                    raise DomainError(_l("Unknown tier %(tier)s.", tier=tier_text[:20]))
                plan.values["tier"] = tier.value
        except DomainError as error:
            plan.action, plan.message = "reject", str(error.message)
        plans.append(plan)

    good = [plan for plan in plans if plan.action != "reject"]
    by_phone = _existing_by_key(
        {p for plan in good for p in plan.values["phones"]}, CustomerPhone.number, True
    )
    by_email = _existing_by_key(
        {plan.values["email"] for plan in good if plan.values["email"]}, Customer.email, False
    )
    first_line: dict[str, int] = {}
    for plan in good:
        keys = [*plan.values["phones"], *([plan.values["email"]] if plan.values["email"] else [])]
        repeated = [first_line[key] for key in keys if key in first_line]
        if repeated:
            plan.action = "reject"
            plan.message = str(_l("Same phone or e-mail as line %(line)d.", line=repeated[0]))
            continue
        for key in keys:
            first_line[key] = plan.line
        matches = set().union(*(by_phone.get(p, set()) for p in plan.values["phones"]))
        if plan.values["email"]:
            matches |= by_email.get(plan.values["email"], set())
        if len(matches) > 1:
            plan.action = "reject"
            plan.message = str(_l("Matches several customers; merge them first."))
        elif matches:
            plan.action, plan.customer_id = "update", matches.pop()
    return plans


def summarise(plans: Iterable[RowPlan]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "reject": 0}
    for plan in plans:
        counts[plan.action] += 1
    return counts


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


def dry_run(
    *, actor: User, batch: ImportBatch, mapping: dict[str, str], mode: str
) -> list[RowPlan]:
    """Plan every row without changing any customer; remembers mapping, mode and counts."""
    _require_manager(actor)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise DomainError(_l("This import has already been committed."))
    plans = plan_import(batch_table(batch), mapping)
    batch.mapping = mapping
    batch.mode = ImportMode(mode).value
    batch.summary = summarise(plans)
    batch.status = ImportStatus.CHECKED.value
    db.session.flush()
    return plans


def _snapshot(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in UPDATABLE if name != "phones"}
    values["tags"] = list(customer.tags or [])
    values["phones"] = [phone.number for phone in customer.phones]
    return values


def _apply_values(customer: Customer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "phones":
            set_phones(customer, value)
        else:
            setattr(customer, name, value)
    refresh_search_text(customer)


def commit_import(*, actor: User, batch: ImportBatch) -> list[RowPlan]:
    """Apply the checked import. In all-or-nothing mode a single bad row applies nothing.

    :raises DomainError: when the dry run has not been run, or (all-or-nothing) rows are bad;
        the caller then rolls back.
    """
    _require_manager(actor)
    if batch.status != ImportStatus.CHECKED:
        raise DomainError(_l("Run the dry run before committing."))
    plans = plan_import(batch_table(batch), batch.mapping)
    counts = summarise(plans)
    if counts["reject"] and batch.mode == ImportMode.ALL_OR_NOTHING:
        raise DomainError(
            _l("%(n)d rows are invalid, so nothing was imported.", n=counts["reject"])
        )
    previous: dict[str, dict[str, Any]] = {}
    for plan in plans:
        if plan.action == "create":
            values = dict(plan.values)
            phones = values.pop("phones")
            customer = Customer(
                **values, created_by_id=actor.id, updated_by_id=actor.id, import_batch_id=batch.id
            )
            set_phones(customer, phones)
            refresh_search_text(customer)
            db.session.add(customer)
        elif plan.action == "update":
            customer = db.session.get(Customer, plan.customer_id)
            before = _snapshot(customer)
            wanted = dict(plan.values)
            # New numbers are added; numbers on file but not in the row are kept.
            wanted["phones"] = before["phones"] + [
                p for p in wanted["phones"] if p not in before["phones"]
            ]
            # Empty cells leave what is on file; filled ones replace it.
            changes = {
                k: v for k, v in wanted.items() if v not in (None, "", []) and before[k] != v
            }
            if not changes:
                continue
            _apply_values(customer, changes)
            customer.updated_by_id = actor.id
            db.session.flush()
            previous[str(customer.id)] = {
                "before": {k: before[k] for k in changes},
                "version": customer.version,
            }
            record(
                action=AuditAction.CUSTOMER_UPDATED,
                actor=actor,
                object_type="customer",
                object_id=customer.id,
                details={k: [before[k], changes[k]] for k in changes},
            )
    batch.status = ImportStatus.COMMITTED.value
    batch.committed_at = utcnow()
    batch.created_count = counts["create"]
    batch.updated_count = len(previous)
    batch.previous_values = previous
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
    """Undo a committed import: its new customers are soft-deleted, updated ones get their
    previous values back unless someone has edited them since (those are listed, not touched).

    :returns: {"deleted": n, "restored": n, "skipped": [customer ids edited since]}
    """
    _require_manager(actor)
    if batch.status != ImportStatus.COMMITTED:
        raise DomainError(_l("Only a committed import can be undone."))
    now = utcnow()
    created = db.session.scalars(
        select(Customer).where(Customer.import_batch_id == batch.id, Customer.deleted_at.is_(None))
    ).all()
    for customer in created:
        customer.deleted_at = now
        customer.deleted_by_id = actor.id
    restored, skipped = 0, []
    for customer_id, saved in batch.previous_values.items():
        customer = db.session.get(Customer, int(customer_id))
        if customer is None or customer.version != saved["version"]:
            skipped.append(int(customer_id))
            continue
        current = _snapshot(customer)
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
    result = {"deleted": len(created), "restored": restored, "skipped": skipped}
    record(
        action=AuditAction.IMPORT_UNDONE,
        actor=actor,
        object_type="import",
        object_id=batch.id,
        details=result,
    )
    return result
