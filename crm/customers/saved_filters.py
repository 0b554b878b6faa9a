"""Each user's named list filters."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.auth.models import User
from crm.customers.models import SavedFilter
from crm.customers.queries import CustomerFilters
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

MAX_PER_USER = 30


def save_filter(*, actor: User, name: str, params: dict[str, str]) -> SavedFilter:
    """Keep the list filters in ``params`` under ``name``; saving a name again replaces it.

    :raises DomainError: for an empty name or too many saved filters.
    """
    name = name.strip()[:60]
    if not name:
        raise DomainError(_l("Give the filter a name."), field="name")
    cleaned = CustomerFilters.from_args(params).as_args()
    if "sort" in params:
        cleaned["sort"] = params["sort"][:30]
    existing = db.session.scalar(
        select(SavedFilter).where(SavedFilter.user_id == actor.id, SavedFilter.name == name)
    )
    if existing is not None:
        existing.params = cleaned
        db.session.flush()
        return existing
    count = db.session.scalar(
        select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == actor.id)
    )
    if count >= MAX_PER_USER:
        raise DomainError(_l("You have too many saved filters; delete one first."), field="name")
    saved = SavedFilter(user_id=actor.id, name=name, params=cleaned)
    db.session.add(saved)
    db.session.flush()
    return saved


def delete_filter(*, actor: User, filter_id: int) -> bool:
    """Remove one of the actor's own saved filters; returns False when there is none such."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != actor.id:
        return False
    db.session.delete(saved)
    db.session.flush()
    return True
