"""What cases add to a customer's timeline and merge (``crm.core.providers``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import lazyload

from crm.cases.models import Case
from crm.core.providers import (
    TimelineProvider,
    register_merge_provider,
    register_timeline_provider,
    rows_following_customer,
)
from crm.i18n import lazy_gettext as _l


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_timeline_provider(
        "case",
        TimelineProvider(
            kind="case",
            label=_l("Cases"),
            model=Case,
            at=Case.opened_at,
            customer_id=Case.customer_id,
            category=Case.category,
            # The case's customer is the one whose timeline this is.
            not_shown=lambda: [lazyload(Case.customer)],
            summary=lambda item: item.subject,
        ),
    )
    register_merge_provider(rows_following_customer("cases", _l("Cases"), Case.customer_id))
