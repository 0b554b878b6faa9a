"""Taking a merge back: the retired customer returns with exactly the rows and numbers it
had, and the kept one gets its values from before the merge.

An undo is refused, with the reasons listed, when it could lose or misplace what people did
since: the kept customer edited, deleted or merged again, a moved row no longer on it.
"""

from __future__ import annotations

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.core.providers import merge_providers
from crm.customers.merge import FIELD_LABELS
from crm.customers.models import Customer, CustomerMerge
from crm.customers.services import refresh_search_text, set_phones
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.i18n import ngettext
from crm.interactions.services import touch_last_contact


class UndoRefused(DomainError):
    """The merge cannot be undone safely; ``reasons`` says why, one line each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(str(_l("This merge cannot be undone.")))
        self.reasons = reasons


def merges_of(customer: Customer) -> list[CustomerMerge]:
    """The merges not undone that this customer took part in, newest first."""
    return list(
        db.session.scalars(
            select(CustomerMerge)
            .where(
                (CustomerMerge.target_id == customer.id) | (CustomerMerge.source_id == customer.id),
                CustomerMerge.undone_at.is_(None),
            )
            .order_by(CustomerMerge.id.desc())
        )
    )


def undo_blockers(merge: CustomerMerge) -> list[str]:
    """Why the merge cannot be undone now; empty when it can."""
    if merge.undone_at is not None:
        return [str(_l("This merge was undone already."))]
    source, target = merge.source, merge.target
    reasons = []
    if target.is_deleted:
        reasons.append(str(_l("%(name)s was deleted or merged again since.", name=target.name)))
    if not source.is_deleted or source.merged_into_id != target.id:
        reasons.append(str(_l("%(name)s was restored since.", name=source.name)))
    if target.version != merge.target_version:
        edited = [
            str(FIELD_LABELS.get(name, _l("Phone numbers")))
            for name, (_before, after) in merge.fields.items()
            if _current(target, name) != after
        ]
        reasons.append(
            str(
                _l(
                    "%(name)s was edited since the merge: %(fields)s.",
                    name=target.name,
                    fields=", ".join(edited) or str(_l("saved again")),
                )
            )
        )
    providers = {provider.name: provider for provider in merge_providers()}
    for name, ids in merge.moved_rows.items():
        provider = providers.get(name)
        if provider is None:
            reasons.append(str(_l("Rows of a kind no longer known moved: %(kind)s.", kind=name)))
            continue
        gone = len(ids) - provider.held(ids, target)
        if gone:
            reasons.append(
                ngettext(
                    "%(num)d of the %(kind)s moved is no longer with %(name)s.",
                    "%(num)d of the %(kind)s moved are no longer with %(name)s.",
                    gone,
                    kind=str(provider.label),
                    name=target.name,
                )
            )
    return reasons


def _current(customer: Customer, name: str) -> object:
    if name == "phones":
        return [phone.number for phone in customer.phones]
    return getattr(customer, name)


def undo_merge(*, actor: User, merge: CustomerMerge) -> None:
    """Restore the retired customer with its rows and numbers and give the kept one its values
    from before the merge, auditing both.

    :raises PermissionDenied: for anyone who may not merge.
    :raises UndoRefused: when something changed since that an undo would overwrite or misplace.
    """
    if not actor.can(Permission.CUSTOMERS_MANAGE):
        raise PermissionDenied(_l("Only supervisors can undo a merge."))
    reasons = undo_blockers(merge)
    if reasons:
        raise UndoRefused(reasons)
    source, target = merge.source, merge.target
    providers = {provider.name: provider for provider in merge_providers()}
    for name, ids in merge.moved_rows.items():
        providers[name].restore(ids, source)
    for name, (before, _after) in merge.fields.items():
        if name == "phones":
            set_phones(target, list(before))
        else:
            setattr(target, name, before)
    set_phones(source, list(merge.source_phones))
    for customer in (source, target):
        customer.updated_by_id = actor.id
        refresh_search_text(customer)
    source.deleted_at = source.deleted_by_id = source.merged_into_id = None
    merge.undone_at = utcnow()
    merge.undone_by_id = actor.id
    db.session.flush()
    touch_last_contact(source.id)
    touch_last_contact(target.id)
    facts = {
        "merge_id": merge.id,
        "moved": {name: len(ids) for name, ids in merge.moved_rows.items()},
    }
    record(
        action=AuditAction.CUSTOMER_MERGE_UNDONE,
        actor=actor,
        object_type="customer",
        object_id=target.id,
        details={"restored": source.id, **facts},
    )
    record(
        action=AuditAction.CUSTOMER_MERGE_UNDONE,
        actor=actor,
        object_type="customer",
        object_id=source.id,
        details={"merged_into": target.id, **facts},
    )
