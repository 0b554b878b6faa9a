"""Customer rules: create with duplicate warnings, edit with conflict detection and a
field-by-field audit, soft delete and restore, purchases and feedback.

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.customers.identity import phone_owners
from crm.customers.models import Customer, CustomerPhone, Tier
from crm.customers.phones import normalise_phone
from crm.customers.search import build_search_grams, build_search_text
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

#: fields anyone who may edit customers can change
PROFILE_FIELDS = ("name", "company", "email", "region", "industry", "tags", "notes", "phones")
#: fields only supervisors and admins change
MANAGED_FIELDS = ("tier", "owner_id")


class DuplicateCustomer(DomainError):
    """A customer with the same phone number exists; the user may still go ahead."""

    def __init__(self, existing: list[Customer]) -> None:
        super().__init__(_l("A customer with this phone number already exists."))
        self.existing = existing


class StaleEdit(DomainError):
    """Someone else saved the customer after this form was opened."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "Someone else changed this customer while you were editing. Your changes were "
                "not saved; the form now shows the current data."
            )
        )


@dataclass
class ProfileInput:
    """What a form, an import row or the API says about a customer."""

    name: str
    phones: list[str]
    company: str | None = None
    email: str | None = None
    region: str | None = None
    industry: str | None = None
    tags: list[str] | None = None
    notes: str | None = None


def _clean_text(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] if value else None


def clean_tags(tags: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for tag in tags or []:
        tag = tag.strip().lower()[:30]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def clean_profile(data: ProfileInput) -> dict[str, Any]:
    """Validated, normalised profile values.

    :raises DomainError: naming the field at fault.
    """
    name = (data.name or "").strip()
    if not name:
        raise DomainError(_l("Enter the customer's name."), field="name")
    if len(name) > 100:
        raise DomainError(_l("The name is too long (at most 100 characters)."), field="name")
    phones: list[str] = []
    for raw in data.phones:
        number = normalise_phone(raw)
        if number not in phones:
            phones.append(number)
    email = _clean_text(data.email, 254)
    if email is not None:
        email = email.lower()
        if "@" not in email or email.startswith("@") or "." not in email.split("@")[-1]:
            raise DomainError(
                _l("Enter an e-mail address such as wang@example.com."), field="email"
            )
    if not phones and not email:
        raise DomainError(_l("Enter at least a phone number or an e-mail address."), field="phones")
    return {
        "name": name,
        "company": _clean_text(data.company, 200),
        "email": email,
        "region": _clean_text(data.region, 50),
        "industry": _clean_text(data.industry, 50),
        "tags": clean_tags(data.tags),
        "notes": _clean_text(data.notes, 10_000),
        "phones": phones,
    }


def find_duplicates(*, phones: list[str], exclude_id: int | None = None) -> list[Customer]:
    """Live customers holding any of these E.164 numbers. There is no e-mail to ask: it never
    makes two people one (``identity``)."""
    return phone_owners(phones, exclude_id=exclude_id)


def set_phones(customer: Customer, numbers: list[str]) -> None:
    kept = {phone.number: phone for phone in customer.phones}
    customer.phones = [
        kept.get(number) or CustomerPhone(number=number, digits_reversed=number.lstrip("+")[::-1])
        for number in numbers
    ]
    for position, phone in enumerate(customer.phones):
        phone.is_primary = position == 0


def refresh_search_text(customer: Customer) -> None:
    customer.search_text = build_search_text(
        name=customer.name,
        company=customer.company,
        email=customer.email,
        phones=[phone.number for phone in customer.phones],
    )
    customer.search_grams = build_search_grams(customer.search_text)


def _check_managed(actor: User | None, tier: str | None, owner_id: int | None) -> None:
    if tier is not None and tier not in {t.value for t in Tier}:
        raise DomainError(_l("Choose a tier from the list."), field="tier")
    if owner_id is not None and db.session.get(User, owner_id) is None:
        raise DomainError(_l("Choose an owner from the list."), field="owner_id")
    if actor is not None and not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can set the tier or the owner."))


def create_customer(
    *,
    actor: User,
    data: ProfileInput,
    tier: str = Tier.NORMAL.value,
    owner_id: int | None = None,
    allow_duplicate: bool = False,
) -> Customer:
    """Create a customer.

    :raises DuplicateCustomer: when a phone number is already on file and
        ``allow_duplicate`` is false.
    :raises DomainError: for invalid input; PermissionDenied for tier/owner without the right.
    """
    values = clean_profile(data)
    if tier != Tier.NORMAL.value or owner_id is not None:
        _check_managed(actor, tier, owner_id)
    if not allow_duplicate:
        existing = find_duplicates(phones=values["phones"])
        if existing:
            raise DuplicateCustomer(existing)
    phones = values.pop("phones")
    customer = Customer(
        **values, tier=tier, owner_id=owner_id, created_by_id=actor.id, updated_by_id=actor.id
    )
    set_phones(customer, phones)
    refresh_search_text(customer)
    db.session.add(customer)
    db.session.flush()
    record(
        action=AuditAction.CUSTOMER_CREATED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"name": customer.name, "phones": phones, "email": customer.email},
    )
    return customer


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "region": customer.region,
        "industry": customer.industry,
        "tags": list(customer.tags or []),
        "notes": customer.notes,
        "phones": [phone.number for phone in customer.phones],
        "tier": customer.tier,
        "owner_id": customer.owner_id,
    }


def update_customer(
    *,
    actor: User,
    customer: Customer,
    expected_version: int,
    data: ProfileInput,
    tier: str | None = None,
    owner_id: int | None = None,
    change_owner: bool = False,
) -> dict[str, list[Any]]:
    """Save an edit made on version ``expected_version`` of the customer.

    :returns: the changes as ``{"field": [old, new]}``, each also in the audit log.
    :raises StaleEdit: when the customer was saved by someone else since that version.
    :raises DuplicateCustomer: when a number added is on file for another customer (the phone
        identifies a person: merge them instead).
    :raises PermissionDenied: when tier or owner change without the right.
    """
    if customer.version != expected_version:
        raise StaleEdit()
    before = _snapshot(customer)
    values = clean_profile(data)
    added = [number for number in values["phones"] if number not in before["phones"]]
    if added and (owners := phone_owners(added, exclude_id=customer.id)):
        raise DuplicateCustomer(owners)
    wants_tier = tier is not None and tier != customer.tier
    wants_owner = change_owner and owner_id != customer.owner_id
    if wants_tier or wants_owner:
        _check_managed(actor, tier if wants_tier else None, owner_id if wants_owner else None)
        if wants_tier:
            customer.tier = tier
        if wants_owner:
            customer.owner_id = owner_id
    set_phones(customer, values.pop("phones"))
    for field, value in values.items():
        setattr(customer, field, value)
    after = _snapshot(customer)
    changes = {
        field: [before[field], after[field]] for field in after if before[field] != after[field]
    }
    if not changes:
        return {}
    refresh_search_text(customer)
    customer.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError:
        # Another request saved between our read and this write.
        raise StaleEdit() from None
    record(
        action=AuditAction.CUSTOMER_UPDATED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details=changes,
    )
    return changes


def delete_customer(*, actor: User, customer: Customer) -> None:
    """Hide a customer (soft delete); everything about them stays and can be restored."""
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can delete customers."))
    if customer.is_deleted:
        return
    customer.deleted_at = utcnow()
    customer.deleted_by_id = actor.id
    db.session.flush()
    record(
        action=AuditAction.CUSTOMER_DELETED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"name": customer.name},
    )


def restore_customer(*, actor: User, customer: Customer) -> None:
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can restore customers."))
    if not customer.is_deleted or customer.merged_into_id is not None:
        return
    customer.deleted_at = None
    customer.deleted_by_id = None
    db.session.flush()
    record(
        action=AuditAction.CUSTOMER_RESTORED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"name": customer.name},
    )
