"""What the conversation adds to a customer's timeline (``crm.core.providers``): each message
of their cases, shown to whoever may read the case."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import lazyload

from crm.access import may_read_case
from crm.cases.models import Case
from crm.channels.models import CaseMessage
from crm.core.providers import TimelineProvider, register_timeline_provider
from crm.i18n import lazy_gettext as _l


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_timeline_provider(
        "case_message",
        TimelineProvider(
            kind="case_message",
            label=_l("Case messages"),
            model=CaseMessage,
            at=CaseMessage.created_at,
            customer_id=Case.customer_id,
            join=lambda: (Case, CaseMessage.case_id == Case.id),
            category=Case.category,
            not_shown=lambda: [lazyload(CaseMessage.attachments)],
            may_read=lambda actor, message: may_read_case(actor, message.case),
            summary=lambda item: item.body_text[:200],
        ),
    )
