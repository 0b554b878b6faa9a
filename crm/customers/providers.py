"""What the customer's own records (purchases, feedback) add to the timeline and the merge."""

from __future__ import annotations

from typing import Any

from flask import url_for

from crm.core.links import register_object_page
from crm.core.providers import (
    TimelineProvider,
    register_merge_provider,
    register_timeline_provider,
    rows_following_customer,
)
from crm.customers.models import Feedback, Purchase
from crm.i18n import lazy_gettext as _l


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_object_page("customer", lambda id_: url_for("customers.show", customer_id=id_))
    register_object_page("import", lambda id_: url_for("imports.show", batch_id=id_))
    register_timeline_provider(
        "purchase",
        TimelineProvider(
            kind="purchase",
            label=_l("Purchases"),
            model=Purchase,
            at=Purchase.purchased_at,
            customer_id=Purchase.customer_id,
            summary=lambda item: item.product,
        ),
    )
    register_timeline_provider(
        "feedback",
        TimelineProvider(
            kind="feedback",
            label=_l("Feedback"),
            model=Feedback,
            at=Feedback.received_at,
            customer_id=Feedback.customer_id,
            summary=lambda item: item.content,
        ),
    )
    register_merge_provider(
        rows_following_customer("purchases", _l("Purchases"), Purchase.customer_id)
    )
    register_merge_provider(
        rows_following_customer("feedback", _l("Feedback"), Feedback.customer_id)
    )
