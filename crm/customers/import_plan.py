"""Planning an import: what each row of the file would do, by the rules in ``identity``.

The dry run and the commit share this planner, so what the dry run reports is what the commit
does. It reads the file a chunk of rows at a time and looks each chunk's phones up in one go;
only the phones seen so far (for the duplicates) outlive a chunk. Each row gets one action:

- ``create``: a phone not on file (a warning when its e-mail belongs to someone else);
- ``update`` / ``unchanged``: the phone names a customer of the same name;
- ``conflict``: the phone names a customer of a clearly different name, or several customers;
  nothing is applied, a person decides;
- ``duplicate``: a phone already seen on an earlier line of the file;
- ``reject``: the row is invalid, with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.customers.identity import CHUNK, Directory
from crm.customers.import_files import Table
from crm.customers.import_seen import SeenPhones
from crm.customers.models import Customer, Tier
from crm.customers.phones import doubtful_phones, split_phone_input
from crm.customers.services import ProfileInput, clean_profile
from crm.errors import DomainError
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
#: the reason code of a rejected row, from the field its error names
REASONS = {"name": "name", "phones": "phone", "email": "email", "tier": "tier"}


@dataclass
class RowPlan:
    #: the line in the file (the header is line 1)
    line: int
    action: str  # see the module's docstring
    name: str
    message: str = ""
    #: short code of a rejection (name, phone, email, tier, ...) for the counts
    reason: str = ""
    customer_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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


def _clean_row(plan: RowPlan, row: list[str], mapping: dict[str, str]) -> None:
    data, tier_text = _row_input(row, mapping)
    try:
        if "\x00" in "".join(row):
            raise DomainError(_l("The row holds a NUL character."), field="file")
        plan.values = clean_profile(data)
        if not plan.values["phones"]:
            raise DomainError(
                _l("No phone number: the phone number identifies the customer."), field="phones"
            )
        if tier_text:
            tier = TIER_WORDS.get(tier_text.strip().lower())
            if tier is None:
                raise DomainError(_l("Unknown tier %(tier)s.", tier=tier_text[:20]), field="tier")
            plan.values["tier"] = tier.value
    except DomainError as error:
        plan.action, plan.message = "reject", str(error.message)
        plan.reason = REASONS.get(error.field or "", "invalid")
        return
    for number in doubtful_phones(plan.values["phones"]):
        plan.warnings.append(
            str(_l("%(phone)s is possible but not in a known number range.", phone=number))
        )


def snapshot(customer: Customer) -> dict[str, Any]:
    """The values an import may change, as plain data (kept as before-images)."""
    values = {name: getattr(customer, name) for name in UPDATABLE if name != "phones"}
    values["tags"] = list(customer.tags or [])
    values["phones"] = [phone.number for phone in customer.phones]
    return values


def wanted_changes(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What a row changes on a customer: filled cells replace, empty ones keep what is on
    file; new numbers are added, numbers on file but not in the row are kept."""
    wanted = dict(values)
    wanted["phones"] = before["phones"] + [p for p in values["phones"] if p not in before["phones"]]
    return {k: v for k, v in wanted.items() if v not in (None, "", []) and before[k] != v}


def _load_customers(ids: set[int]) -> dict[int, Customer]:
    """The customers a chunk names, with their phones, in one query per few hundred."""
    found: dict[int, Customer] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        query = (
            select(Customer)
            .where(Customer.id.in_(ordered[start : start + CHUNK]))
            .options(selectinload(Customer.phones))
        )
        found.update((customer.id, customer) for customer in db.session.scalars(query))
    return found


def _resolve(plans: list[RowPlan], seen: SeenPhones) -> dict[int, Customer]:
    """Decide a chunk's actions: duplicates by ``seen`` (phone -> first line, carried from
    chunk to chunk), then the archive, looked up once for the whole chunk.

    :returns: the customers the rows name, by id, with their phones.
    """
    good = [plan for plan in plans if plan.action != "reject" and not _seen(plan, seen)]
    directory = Directory.load(
        (p for plan in good for p in plan.values["phones"]),
        (plan.values["email"] for plan in good if plan.values["email"]),
    )
    found_by_line = {
        plan.line: directory.resolve(
            name=plan.values["name"], phones=plan.values["phones"], email=plan.values["email"]
        )
        for plan in good
    }
    same = {r.customer_id for r in found_by_line.values() if r.kind == "same" and r.customer_id}
    customers = _load_customers(same)
    for plan in good:
        found = found_by_line[plan.line]
        plan.customer_id = found.customer_id
        if found.email_shared_with:
            ids = ", ".join(f"#{i}" for i in found.email_shared_with)
            plan.warnings.append(
                str(_l("The e-mail is also used by %(ids)s, who stays as is.", ids=ids))
            )
        if found.kind == "conflict":
            plan.action = "conflict"
            if len(found.candidates) > 1:
                plan.message = str(_l("Matches several customers; merge them first."))
            else:
                plan.message = str(
                    _l(
                        "The phone number is on file for %(name)s: a different name.",
                        name=directory.names[found.customer_id],
                    )
                )
        elif found.kind == "same":
            customer = customers[found.customer_id]
            changes = wanted_changes(snapshot(customer), plan.values)
            plan.action = "update" if changes else "unchanged"
    return customers


def _phone_key(number: str) -> int:
    # E.164 as a number: a 1,000,000-row file's phones then fit in tens of megabytes.
    return int(number.lstrip("+"))


def _seen(plan: RowPlan, seen: SeenPhones) -> bool:
    """Mark a row repeating an earlier line's phone as a duplicate; else remember its phones."""
    keys = [_phone_key(p) for p in plan.values["phones"]]
    repeated = [line for line in map(seen.first_line, keys) if line is not None]
    if repeated:
        plan.action = "duplicate"
        plan.message = str(_l("Same phone number as line %(line)d.", line=repeated[0]))
        return True
    for key in keys:
        seen.add(key, plan.line)
    return False


def _plan_row(line: int, row: list[str], mapping: dict[str, str]) -> RowPlan:
    name = next((row[int(i)] for i, t in mapping.items() if t == "name"), "")
    plan = RowPlan(line=line, action="create", name=name.strip()[:100])
    _clean_row(plan, row, mapping)
    return plan


def check_mapping(mapping: dict[str, str]) -> None:
    """:raises DomainError: when no column holds the name or the phones."""
    if "name" not in mapping.values():
        raise DomainError(_l("Choose which column holds the customer's name."), field="mapping")
    if "phones" not in mapping.values():
        raise DomainError(_l("Choose the column with phone numbers."), field="mapping")


@dataclass
class Chunk:
    plans: list[RowPlan]
    #: data rows read so far, this chunk's included
    done: int
    #: the customers the rows name, loaded: the session forgets them once unreferenced, and the
    #: commit would load each again
    customers: dict[int, Customer] = field(default_factory=dict)


def plan_chunks(
    table: Table, mapping: dict[str, str], *, size: int, after_line: int = 0
) -> Iterator[Chunk]:
    """What each row would do, by the identity rules, a chunk of ``size`` rows at a time.

    A chunk is resolved against the archive only when asked for, so a commit that applies each
    chunk before asking for the next plans every row against what the rows before it did.

    :param after_line: rows up to this line were committed already (a resumed commit): they
        are read again only to know their phones, for the duplicates.
    """
    check_mapping(mapping)
    seen = SeenPhones()
    chunk: list[RowPlan] = []
    done = 0
    for line, row in table.iter_numbered():
        done += 1
        plan = _plan_row(line, row, mapping)
        if line <= after_line:
            if plan.action != "reject":
                _seen(plan, seen)
            continue
        chunk.append(plan)
        if len(chunk) >= size:
            yield Chunk(chunk, done, _resolve(chunk, seen))
            chunk = []
    if chunk:
        yield Chunk(chunk, done, _resolve(chunk, seen))


def plan_import(table: Table, mapping: dict[str, str]) -> list[RowPlan]:
    """Every row's plan at once: for small files and tests (the jobs use ``plan_chunks``)."""
    return [plan for chunk in plan_chunks(table, mapping, size=1000) for plan in chunk.plans]


def summarise(plans: Iterable[RowPlan], encoding: str | None = None) -> dict[str, Any]:
    """The counts per outcome, as the dry run, the commit and the CLI report them."""
    actions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    warnings = 0
    for plan in plans:
        actions[plan.action] += 1
        warnings += len(plan.warnings)
        if plan.action == "reject":
            reasons[plan.reason] += 1
    return {
        "rows": sum(actions.values()),
        "new": actions["create"],
        "updated": actions["update"],
        "unchanged": actions["unchanged"],
        "duplicates_in_file": actions["duplicate"],
        "conflicts": actions["conflict"],
        "rejected": actions["reject"],
        "rejected_by_reason": dict(sorted(reasons.items())),
        "warnings": warnings,
        "encoding": encoding,
    }
