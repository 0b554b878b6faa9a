"""Merging two records of the same customer: everything moves to the one kept, nothing is lost.

Every domain whose rows point at a customer registers a merge provider
(``crm.core.providers.register_merge_provider``) that counts, moves and moves back its rows;
the merge asks each, so a new kind of record follows a merged customer by registering. The
merge is written down (``CustomerMerge``) so that ``merge_undo`` can take it back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.core.providers import merge_providers
from crm.customers.models import TIER_LABELS, Customer, CustomerMerge, CustomerPhone
from crm.customers.services import clean_tags, refresh_search_text
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.services import touch_last_contact

#: the profile fields a merge lets the supervisor choose, by their names on the customer form
FIELD_LABELS = {
    "name": _l("Name"),
    "company": _l("Company"),
    "email": _l("E-mail"),
    "region": _l("Region"),
    "industry": _l("Industry"),
    "tier": _l("Tier"),
    "owner_id": _l("Owner"),
    "tags": _l("Tags"),
    "notes": _l("Notes"),
}
#: keep the kept customer's value, take the retired one's, or (tags only) both
KEEP, TAKE, BOTH = "keep", "take", "both"
#: fields whose values can be put together rather than chosen
COMBINABLE = frozenset({"tags"})


def _empty(value: Any) -> bool:
    return value in (None, "", [])


@dataclass
class FieldChoice:
    name: str
    label: Any
    kept: Any
    other: Any
    #: the choice the form starts with
    default: str

    @property
    def differs(self) -> bool:
        return self.kept != self.other and not _empty(self.other)

    @property
    def options(self) -> tuple[str, ...]:
        return (KEEP, TAKE, BOTH) if self.name in COMBINABLE else (KEEP, TAKE)


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
    #: every choosable profile field, side by side
    fields: list[FieldChoice] = field(default_factory=list)


def shown_value(name: str, value: Any) -> str:
    """A field's value as the merge pages show it."""
    if _empty(value):
        return ""
    if name == "tier":
        return str(TIER_LABELS.get(value, value))
    if name == "owner_id":
        owner = db.session.get(User, value)
        return owner.display_name if owner else f"#{value}"
    if name == "tags":
        return ", ".join(value)
    return str(value)


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
    for name, label in FIELD_LABELS.items():
        mine, theirs = getattr(target, name), getattr(source, name)
        # Tags are put together by default: a label one record carries is never lost.
        default = BOTH if name in COMBINABLE else (TAKE if _empty(mine) else KEEP)
        preview.fields.append(FieldChoice(name, label, mine, theirs, default))
    return preview


def _chosen(choice: FieldChoice, picked: str | None) -> Any:
    picked = picked if picked in choice.options else choice.default
    if not choice.differs or picked == KEEP:
        return choice.kept
    if picked == BOTH:
        return clean_tags([*(choice.kept or []), *(choice.other or [])])
    return choice.other


def merge_customers(
    *,
    actor: User,
    source: Customer,
    target: Customer,
    choices: dict[str, str] | None = None,
    expected_version: int | None = None,
) -> CustomerMerge:
    """Move everything of ``source`` to ``target`` and retire ``source`` (soft-deleted, pointing
    at ``target``), auditing both and keeping a record that ``merge_undo`` can take back.

    :param choices: per field of ``FIELD_LABELS``, KEEP, TAKE or BOTH; a field not named takes
        the preview's default (the kept customer's value unless it is empty).
    :param expected_version: the kept customer's version the preview showed; another one means
        someone saved it since, and the choices were made on old values.
    :raises PermissionDenied, DomainError:
    """
    preview = preview_merge(actor=actor, source=source, target=target)
    if expected_version is not None and expected_version != target.version:
        raise DomainError(
            _l(
                "%(name)s was changed after the preview; look at the preview again.",
                name=target.name,
            )
        )
    choices = choices or {}
    before = {choice.name: choice.kept for choice in preview.fields}
    before_phones = [phone.number for phone in target.phones]
    source_phones = [phone.number for phone in source.phones]
    moved_rows = {
        provider.name: provider.reassign_customer(source, target, actor)
        for provider in merge_providers()
    }
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
    for choice in preview.fields:
        setattr(target, choice.name, _chosen(choice, choices.get(choice.name)))
    target.updated_by_id = actor.id
    refresh_search_text(target)
    source.deleted_at = utcnow()
    source.deleted_by_id = actor.id
    source.merged_into_id = target.id
    db.session.flush()
    touch_last_contact(target.id)
    fields: dict[str, list[Any]] = {name: [before[name], getattr(target, name)] for name in before}
    fields["phones"] = [before_phones, [phone.number for phone in target.phones]]
    merge = CustomerMerge(
        source_id=source.id,
        target_id=target.id,
        actor_id=actor.id,
        fields=fields,
        target_version=target.version,
        source_phones=source_phones,
        moved_rows=moved_rows,
    )
    db.session.add(merge)
    db.session.flush()
    facts = {
        "merge_id": merge.id,
        "moved": {name: len(ids) for name, ids in moved_rows.items()},
        "phones": preview.new_phones,
        "changed": [name for name, (old, new) in fields.items() if old != new],
    }
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
    return merge
