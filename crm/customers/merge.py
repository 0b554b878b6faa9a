"""Merging two records of the same customer: everything moves to the one kept, nothing is lost.

Every domain whose rows point at a customer registers a merge provider
(``crm.core.providers.register_merge_provider``) that counts and moves them; the merge asks
each, so a new kind of record follows a merged customer by registering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.core.providers import merge_providers
from crm.customers.models import Customer, CustomerPhone
from crm.customers.services import clean_tags, refresh_search_text
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.services import touch_last_contact

#: profile fields the kept customer takes from the other one when its own are empty
FILLABLE = ("company", "email", "region", "industry", "notes", "owner_id")
#: the fillable fields by their names on the customer form
FILLABLE_LABELS = {
    "company": _l("Company"),
    "email": _l("E-mail"),
    "region": _l("Region"),
    "industry": _l("Industry"),
    "notes": _l("Notes"),
    "owner_id": _l("Owner"),
}


@dataclass
class MergePreview:
    source: Customer
    target: Customer
    #: rows that will move, by the name of the provider that moves them
    moves: dict[str, int] = field(default_factory=dict)
    #: the text of each name in ``moves``
    labels: dict[str, Any] = field(default_factory=dict)
    #: phone numbers the kept customer gains
    new_phones: list[str] = field(default_factory=list)
    #: empty fields of the kept customer that the other one fills: {field: value}
    filled: dict[str, Any] = field(default_factory=dict)
    #: fields where both have different values; the kept customer's value stays
    conflicts: dict[str, list[Any]] = field(default_factory=dict)


def _check(actor: User, source: Customer, target: Customer) -> None:
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can merge customers."))
    if source.id == target.id:
        raise DomainError(_l("Choose two different customers."))
    if source.is_deleted or target.is_deleted:
        raise DomainError(_l("Deleted customers cannot be merged; restore them first."))


def preview_merge(*, actor: User, source: Customer, target: Customer) -> MergePreview:
    """What merging ``source`` into ``target`` would do, without changing anything."""
    _check(actor, source, target)
    preview = MergePreview(source=source, target=target)
    for provider in merge_providers():
        preview.moves[provider.name] = provider.count(source)
        preview.labels[provider.name] = provider.label
    kept = {phone.number for phone in target.phones}
    preview.new_phones = [p.number for p in source.phones if p.number not in kept]
    for name in FILLABLE:
        mine, theirs = getattr(target, name), getattr(source, name)
        if mine in (None, "") and theirs not in (None, ""):
            preview.filled[name] = theirs
        elif theirs not in (None, "") and mine != theirs:
            preview.conflicts[name] = [mine, theirs]
    return preview


def merge_customers(*, actor: User, source: Customer, target: Customer) -> MergePreview:
    """Move everything of ``source`` to ``target`` and retire ``source`` (soft-deleted, pointing
    at ``target``), auditing both. :raises PermissionDenied, DomainError:"""
    preview = preview_merge(actor=actor, source=source, target=target)
    for provider in merge_providers():
        provider.reassign_customer(source, target, actor)
    moving = [p for p in source.phones if p.number in preview.new_phones]
    for phone in moving:
        source.phones.remove(phone)
    db.session.flush()
    for phone in moving:
        target.phones.append(
            CustomerPhone(
                number=phone.number, digits_reversed=phone.digits_reversed, is_primary=False
            )
        )
    for name, value in preview.filled.items():
        setattr(target, name, value)
    target.tags = clean_tags([*(target.tags or []), *(source.tags or [])])
    target.updated_by_id = actor.id
    refresh_search_text(target)
    source.deleted_at = utcnow()
    source.deleted_by_id = actor.id
    source.merged_into_id = target.id
    db.session.flush()
    touch_last_contact(target.id)
    facts = {"moved": preview.moves, "phones": preview.new_phones, "filled": list(preview.filled)}
    record(
        action=AuditAction.CUSTOMER_MERGED,
        actor=actor,
        object_type="customer",
        object_id=target.id,
        details={"absorbed": source.id, **facts},
    )
    record(
        action=AuditAction.CUSTOMER_MERGED,
        actor=actor,
        object_type="customer",
        object_id=source.id,
        details={"merged_into": target.id, **facts},
    )
    return preview
