"""What satisfaction surveys add to a customer's timeline, summary card and merge
(``crm.core.providers``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import lazyload

from crm.core.providers import (
    SummaryProvider,
    TimelineProvider,
    register_merge_provider,
    register_summary_provider,
    register_timeline_provider,
    rows_following_customer,
)
from crm.i18n import lazy_gettext as _l
from crm.surveys.models import Survey
from crm.surveys.summary import satisfaction_trend


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_timeline_provider(
        "survey",
        TimelineProvider(
            kind="survey",
            label=_l("Satisfaction surveys"),
            model=Survey,
            at=Survey.answered_at,
            customer_id=Survey.customer_id,
            # Only answered surveys: a sent link is not yet something the customer said.
            live=lambda: [Survey.answered_at.is_not(None)],
            # The entry links to its case by id only.
            not_shown=lambda: [lazyload(Survey.case)],
            summary=lambda item: item.comment,
        ),
    )
    register_merge_provider(
        rows_following_customer("surveys", _l("Satisfaction surveys"), Survey.customer_id)
    )
    register_summary_provider(
        SummaryProvider("surveys", 30, "surveys/_summary.html", satisfaction_trend)
    )
