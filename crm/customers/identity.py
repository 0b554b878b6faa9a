"""Who is who: the identity rules, written down once and used by the import, the form, the API
and the merge suggestions.

1. The phone number (E.164) identifies a customer. A number on file means "this person".
2. An e-mail address never identifies anyone: families and companies share one. A new number
   with a known e-mail is a new customer, with a warning; the other customer is not touched.
3. A number on file under a clearly different name is a *conflict*: nothing is changed, a person
   decides (open the customer, merge if they are one).
4. Numbers on file for several customers are a conflict too: merge them first.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.customers.models import Customer, CustomerPhone
from crm.extensions import db

#: the query chunk for ``IN (...)`` lists
CHUNK = 500


def _name_key(name: str | None) -> str:
    text = unicodedata.normalize("NFKC", name or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def names_clearly_differ(one: str | None, other: str | None) -> bool:
    """True when two names cannot be the same person: neither is empty and neither contains
    the other once case, width, spaces and punctuation are set aside (张三 / 张三先生 agree)."""
    a, b = _name_key(one), _name_key(other)
    if not a or not b:
        return False
    return a not in b and b not in a


@dataclass
class Resolution:
    #: "new", "same" (the customer the phone names), or "conflict"
    kind: str
    customer_id: int | None = None
    #: customers sharing the row's e-mail but not its phone (left untouched)
    email_shared_with: list[int] = field(default_factory=list)
    #: customers the phones name, for a conflict
    candidates: list[int] = field(default_factory=list)


@dataclass
class Directory:
    """What the archive knows about a set of phones and e-mails, fetched in a few queries."""

    by_phone: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_email: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, phones: Iterable[str], emails: Iterable[str]) -> Directory:
        found = cls()
        phone_list, email_list = sorted(set(phones)), sorted({e.lower() for e in emails if e})
        for start in range(0, len(phone_list), CHUNK):
            query = (
                select(CustomerPhone.number, Customer.id, Customer.name)
                .join(Customer, CustomerPhone.customer_id == Customer.id)
                .where(
                    Customer.deleted_at.is_(None),
                    CustomerPhone.number.in_(phone_list[start : start + CHUNK]),
                )
            )
            for number, customer_id, name in db.session.execute(query):
                found.by_phone[number].add(customer_id)
                found.names[customer_id] = name
        for start in range(0, len(email_list), CHUNK):
            # Stored lower-cased, so the index on e-mail serves.
            query = select(Customer.email, Customer.id, Customer.name).where(
                Customer.deleted_at.is_(None),
                Customer.email.in_(email_list[start : start + CHUNK]),
            )
            for email, customer_id, name in db.session.execute(query):
                found.by_email[email].add(customer_id)
                found.names[customer_id] = name
        return found

    def resolve(
        self, *, name: str, phones: list[str], email: str | None, exclude_id: int | None = None
    ) -> Resolution:
        """Apply the rules to one person's name, E.164 phones and e-mail."""
        owners = sorted(set().union(*(self.by_phone.get(p, set()) for p in phones)) - {exclude_id})
        shared = sorted(
            self.by_email.get((email or "").lower(), set()) - set(owners) - {exclude_id}
        )
        if len(owners) > 1 or (owners and names_clearly_differ(name, self.names.get(owners[0]))):
            return Resolution("conflict", owners[0], shared, owners)
        if owners:
            return Resolution("same", owners[0], shared, owners)
        return Resolution("new", None, shared)


def resolve_one(
    *, name: str, phones: list[str], email: str | None, exclude_id: int | None = None
) -> Resolution:
    """The rules for one customer typed into the form or sent to the API."""
    directory = Directory.load(phones, [email] if email else [])
    return directory.resolve(name=name, phones=phones, email=email, exclude_id=exclude_id)


def phone_owners(phones: list[str], exclude_id: int | None = None) -> list[Customer]:
    """Live customers holding any of these E.164 numbers: the duplicates a person may merge."""
    if not phones:
        return []
    query = (
        select(Customer)
        .where(
            Customer.deleted_at.is_(None),
            Customer.id.in_(
                select(CustomerPhone.customer_id).where(CustomerPhone.number.in_(phones))
            ),
        )
        .order_by(Customer.id)
        .limit(10)
    )
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return list(db.session.scalars(query))


def email_shared_with(email: str | None, exclude_id: int | None = None) -> list[Customer]:
    """Live customers using this e-mail address: worth a warning, never a merge."""
    if not email:
        return []
    query = select(Customer).where(
        Customer.deleted_at.is_(None), Customer.email == email.strip().lower()
    )
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return list(db.session.scalars(query.order_by(Customer.id).limit(10)))
