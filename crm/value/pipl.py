"""Personal-information rights (PIPL): a customer's data in one file, and erasure on request.

A customer and the records merged into it are one person. The export walks the schema, so a
table added later is covered: every row that points at the person (and the rows pointing at
those, such as a case's messages). The erasure anonymises the person's customer rows and then
replaces their name, numbers and address in the free-text columns of ``PERSONAL_TEXT``, the
audit log's details included; another customer's name, numbers and e-mail never change.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Table, Text, cast, delete, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.models import Customer
from crm.customers.services import refresh_search_text, set_phones
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.value.models import AuditRedaction, CareDate, Erasure
from crm.value.personal_columns import IDENTIFIERS, PERSONAL_TEXT

#: what replaces the person's name, numbers and address wherever they were
REDACTED = "[已删除]"
#: shorter names are not searched for: one character would scrub other people's words
MIN_NAME_LENGTH = 2
#: SQLite's search indexes over customers, optimised after an erasure so that no index page
#: keeps a term of the old name
SQLITE_INDEXES = ("customer_search", "customer_search_grams")
#: a Latin name or number matches only as a whole word: erasing "Li" leaves "Lily" alone
EDGE = re.compile(r"[A-Za-z0-9]")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _pointing_at(table: Table, target: str) -> list[Any]:
    return [fk.parent for fk in table.foreign_keys if fk.column.table.name == target]


def person_ids(customer: Customer) -> list[int]:
    """The customer and every record merged into it, directly or through another merge."""
    ids = [customer.id]
    while True:
        more = set(
            db.session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(ids)))
        ) - set(ids)
        if not more:
            return ids
        ids += sorted(more)


def customer_records(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person, by table: the customer's own row and the records merged
    into it, every row pointing at those, and the rows pointing at these (a case's messages)."""
    records: dict[str, list[dict[str, Any]]] = {}
    ids = person_ids(customer)
    customers = db.metadata.tables["customers"]
    records["customers"] = [
        dict(row._mapping)
        for row in db.session.execute(customers.select().where(customers.c.id.in_(ids)))
    ]
    first: dict[str, list[int]] = {}
    for table in _tables():
        columns = _pointing_at(table, "customers")
        if not columns or table.name == "customers":
            continue
        rows = [
            dict(row._mapping)
            for row in db.session.execute(
                table.select().where(or_(*(column.in_(ids) for column in columns)))
            )
        ]
        if rows:
            records[table.name] = rows
            if "id" in table.c:
                first[table.name] = [row["id"] for row in rows]
    for table in _tables():
        for parent, ids in first.items():
            columns = _pointing_at(table, parent)
            if not columns or table.name in records:
                continue
            rows = [
                dict(row._mapping)
                for row in db.session.execute(
                    table.select().where(or_(*(column.in_(ids) for column in columns)))
                )
            ]
            if rows:
                records[table.name] = rows
    return {
        name: [{key: _plain(value) for key, value in row.items()} for row in rows]
        for name, rows in records.items()
    }


def export_customer_data(*, actor: User, customer: Customer) -> bytes:
    """A ZIP holding one JSON file with all of the customer's records (the person's right to
    a copy). Audited.

    :raises PermissionDenied: unless the actor may export customer data.
    """
    if not actor.can(Permission.CUSTOMERS_EXPORT):
        raise PermissionDenied(_l("Only supervisors export customer data."))
    records = customer_records(customer)
    document = {"customer_id": customer.id, "exported_at": utcnow().isoformat(), "records": records}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"customer-{customer.id}.json",
            json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True),
        )
    record(
        action=AuditAction.CUSTOMER_DATA_EXPORTED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"tables": len(records), "rows": sum(len(rows) for rows in records.values())},
    )
    return buffer.getvalue()


def phone_forms(number: str) -> set[str]:
    """The ways a stored E.164 number may have been written elsewhere."""
    digits = number.lstrip("+")
    forms = {number, digits, digits[::-1]}
    if number.startswith("+86") and len(digits) == 13:
        national = digits[2:]
        forms |= {
            national,
            f"{national[:3]} {national[3:7]} {national[7:]}",
            f"{national[:3]}-{national[3:7]}-{national[7:]}",
        }
    return forms


def identifiers_of(customers: Iterable[Customer]) -> list[str]:
    """The person's names, e-mail addresses and numbers in every form, longest first."""
    found: set[str] = set()
    for customer in customers:
        if len(customer.name.strip()) >= MIN_NAME_LENGTH:
            found.add(customer.name.strip())
        if customer.email:
            found.add(customer.email.strip())
        for phone in customer.phones:
            found |= phone_forms(phone.number)
    return sorted(found, key=lambda item: (-len(item), item))


def _needle_pattern(needles: list[str]) -> re.Pattern[str]:
    def bounded(needle: str) -> str:
        start = r"(?<![A-Za-z0-9])" if EDGE.match(needle[0]) else ""
        end = r"(?![A-Za-z0-9])" if EDGE.match(needle[-1]) else ""
        return f"{start}{re.escape(needle)}{end}"

    return re.compile("|".join(bounded(n) for n in needles), re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {_scrub(key, pattern): _scrub(item, pattern) for key, item in value.items()}
    return value


def _like(column: Any, needle: str) -> ColumnElement[bool]:
    if isinstance(column.type, JSON):
        # JSON text holds the needle as written, or in \uXXXX escapes (json.dumps by default).
        return or_(
            _contains(cast(column, Text), needle),
            _contains(cast(column, Text), json.dumps(needle)[1:-1]),
        )
    return _contains(column, needle)


def _contains(target: Any, needle: str) -> ColumnElement[bool]:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return target.ilike(f"%{escaped}%", escape="\\")


def _sweep(
    table: Table,
    needles: list[str],
    pattern: re.Pattern[str],
    erasure: Erasure,
    names: tuple[str, ...],
    only: Any = None,
) -> int:
    columns = [table.c[name] for name in names]
    keys = list(table.primary_key.columns)
    if not columns or not keys:
        return 0
    query = select(*keys, *columns).where(
        or_(*(_like(column, needle) for column in columns for needle in needles))
    )
    if only is not None:
        query = query.where(only)
    changed = 0
    for row in db.session.execute(query).all():
        values = row._mapping
        new = {c.name: _scrub(values[c.name], pattern) for c in columns}
        new = {name: value for name, value in new.items() if value != values[name]}
        if not new:
            continue
        if table.name == AuditEntry.__tablename__:
            # the append-only triggers let exactly one UPDATE of details through per row here
            db.session.add(AuditRedaction(entry_id=values["id"], erasure_id=erasure.id))
            db.session.flush()
        db.session.execute(
            table.update().where(*(key == values[key.name] for key in keys)).values(**new)
        )
        changed += 1
    return changed


def erase_customer(*, actor: User, customer: Customer) -> Erasure:
    """Anonymise a customer on their request, with the records merged into it: the profiles
    lose name, numbers, address, notes and care dates; their occurrences in free text are
    replaced. The customer rows, cases, interactions and purchases stay (without the person),
    so the figures in the reports do not change. Audited without the person's data.

    :raises PermissionDenied: unless the actor manages customers (supervisor, admin).
    :raises DomainError: when the customer was anonymised already.
    """
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors and administrators erase customer data."))
    if db.session.scalar(select(Erasure.id).where(Erasure.customer_id == customer.id)):
        raise DomainError(_l("This customer's data was erased already."))
    ids = person_ids(customer)
    people = list(db.session.scalars(select(Customer).where(Customer.id.in_(ids))))
    needles = identifiers_of(people)
    erasure = Erasure(customer_id=customer.id, actor_id=actor.id)
    db.session.add(erasure)
    for person in people:
        person.name = f"匿名客户 #{person.id}"
        person.email = None
        person.notes = None
        person.tags = []
        set_phones(person, [])
        refresh_search_text(person)
    db.session.execute(delete(CareDate).where(CareDate.customer_id.in_(ids)))
    db.session.flush()
    counts: dict[str, int] = {}
    if needles:
        pattern = _needle_pattern(needles)
        for table in _tables():
            # The person's own rows were cleared above; other customers keep name and numbers.
            only = table.c.id.not_in(ids) if table.name == "customers" else None
            changed = _sweep(
                table, needles, pattern, erasure, PERSONAL_TEXT.get(table.name, ()), only
            )
            if table.name in IDENTIFIERS:
                owner, names = IDENTIFIERS[table.name]
                mine = or_(table.c[owner].in_(ids), table.c[owner].is_(None))
                changed += _sweep(table, needles, pattern, erasure, names, mine)
            if changed:
                counts[table.name] = changed
    if db.session.get_bind().dialect.name == "sqlite":
        for index in SQLITE_INDEXES:
            db.session.execute(text(f"INSERT INTO {index}({index}) VALUES ('optimize')"))  # noqa: S608 - fixed names
    erasure.counts = counts
    db.session.expire(customer)
    record(
        action=AuditAction.CUSTOMER_ERASED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"rows_scrubbed": sum(counts.values()), "tables": sorted(counts)},
    )
    db.session.flush()
    return erasure


def is_erased(customer_ids: Iterable[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(Erasure.customer_id).where(Erasure.customer_id.in_(list(customer_ids)))
        )
    )
