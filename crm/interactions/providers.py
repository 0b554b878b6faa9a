"""What interactions add to a customer's timeline and merge (``crm.core.providers``)."""

from __future__ import annotations

from typing import Any

from crm.core.providers import (
    TimelineProvider,
    register_merge_provider,
    register_timeline_provider,
    rows_following_customer,
)
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Interaction


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_timeline_provider(
        "interaction",
        TimelineProvider(
            kind="interaction",
            label=_l("Interactions"),
            model=Interaction,
            at=Interaction.occurred_at,
            customer_id=Interaction.customer_id,
            live=lambda: [Interaction.deleted_at.is_(None)],
            category=Interaction.category,
            summary=lambda item: item.summary,
        ),
    )
    register_merge_provider(
        rows_following_customer("interactions", _l("Interactions"), Interaction.customer_id)
    )
