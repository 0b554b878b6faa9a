"""What cases add to a customer's timeline, summary card, merge and notifications
(``crm.core.providers``)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy.orm import lazyload

from crm.cases.models import Case
from crm.cases.summary import open_cases
from crm.core.links import register_object_page
from crm.core.providers import (
    SummaryProvider,
    TimelineProvider,
    register_merge_provider,
    register_summary_provider,
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
    register_summary_provider(SummaryProvider("cases", 10, "cases/_summary.html", open_cases))
    register_object_page("case", lambda case_id: url_for("cases.show", case_id=case_id))
