"""What callbacks add to a customer's timeline, summary card, merge and notifications
(``crm.core.providers``).

A call that was made is an interaction already; the timeline adds the planned calls that were
skipped or moved (with their reason) and the calls still planned.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from crm.callbacks.models import CallbackPlan, CallbackTask, TaskStatus
from crm.callbacks.summary import next_callback, shown_on_customer_pages
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
from crm.notifications.kinds import register_digest_link


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_timeline_provider(
        "callback",
        TimelineProvider(
            kind="callback",
            label=_l("Skipped or moved callbacks"),
            model=CallbackTask,
            at=CallbackTask.closed_at,
            customer_id=CallbackTask.customer_id,
            live=lambda: [
                CallbackTask.status.in_([TaskStatus.SKIPPED.value, TaskStatus.RESCHEDULED.value])
            ],
            not_shown=shown_on_customer_pages,
            summary=lambda item: item.note,
        ),
    )
    # Placed on the timeline when it was planned; the entry says the day it is due.
    register_timeline_provider(
        "planned_callback",
        TimelineProvider(
            kind="planned_callback",
            label=_l("Planned callbacks"),
            model=CallbackTask,
            at=CallbackTask.created_at,
            customer_id=CallbackTask.customer_id,
            live=lambda: [CallbackTask.status == TaskStatus.DUE.value],
            not_shown=shown_on_customer_pages,
            summary=lambda item: item.plan.purpose,
        ),
    )
    register_merge_provider(
        rows_following_customer("callback plans", _l("Callback plans"), CallbackPlan.customer_id)
    )
    register_merge_provider(
        rows_following_customer("callbacks", _l("Callbacks"), CallbackTask.customer_id)
    )
    register_summary_provider(
        SummaryProvider("callbacks", 20, "callbacks/_summary.html", next_callback)
    )
    register_object_page(
        "callback_task", lambda id_: url_for("callbacks.task_actions", task_id=id_)
    )
    register_object_page("callback_plan", lambda id_: url_for("callbacks.plan", plan_id=id_))
    # Many calls due at once are worked from the worklist; many overdue ones from the board.
    register_digest_link("callback.due", lambda: url_for("callbacks.worklist"))
    register_digest_link("callback.overdue", lambda: url_for("callbacks.board"))
