"""The kinds of notice a person can tune, and where each kind of subject is shown.

The domain that owns a subject registers its page in ``crm.core.links`` from its blueprint's
``record_once`` hook, as it registers its timeline providers (ARCHITECTURE.md §13): the
notifications import none of the domains that notify.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

from crm.core.links import object_page
from crm.i18n import lazy_gettext as _l
from crm.notifications.models import EmailMode, Notification

#: the subject type of a digest: many notices of one kind folded into one
DIGEST = "digest"

#: how each e-mail mode of a notification setting reads (the settings page, the audit log)
EMAIL_LABELS = {
    EmailMode.OFF.value: _l("No e-mail"),
    EmailMode.IMMEDIATE.value: _l("E-mail at once"),
    EmailMode.DAILY.value: _l("Daily digest e-mail"),
}

#: every kind a job or service notifies, with its name on the settings page
KIND_LABELS = {
    "callback.due": _l("Callbacks due"),
    "callback.overdue": _l("Overdue callbacks of my plans"),
    "case.assigned": _l("New cases routed to me"),
    "case.customer_replied": _l("Customers writing on my cases"),
    "case.mention": _l("Mentions in internal notes"),
    "call.missed": _l("Missed calls to call back"),
    "case.transferred": _l("Cases transferred to me"),
    "case.at_risk": _l("Cases close to their time limit"),
    "case.breach_response": _l("Missed first responses"),
    "case.breach_resolution": _l("Missed resolution times"),
    "case.low_score": _l("Low satisfaction scores"),
    "certificate.expiring": _l("Expiring onboarding certificates"),
    "qa.review": _l("QA reviews of my work"),
    "qa.dispute": _l("Disputed QA reviews"),
    "qa.dispute_accepted": _l("Accepted disputes"),
    "qa.dispute_rejected": _l("Rejected disputes"),
    "qa.training": _l("Training assigned after QA"),
    "plan.action_due": _l("Improvement actions due: the outcome"),
    "knowledge.stale": _l("My articles due for review"),
}

_digest_links: dict[str, Callable[[], str]] = {}


def register_digest_link(kind: str, resolver: Callable[[], str]) -> None:
    """The list a digest of ``kind`` opens (e.g. the callback worklist) instead of the notices
    it folds."""
    _digest_links[kind] = resolver


def link(notification: Notification) -> str | None:
    """Where the notice's object is shown (None for one without a page of its own)."""
    if notification.subject_type == DIGEST:
        resolver = _digest_links.get(notification.kind)
        if resolver is not None:
            return resolver()
        return url_for("notifications.index", digest=notification.id)
    return object_page(notification.subject_type, notification.subject_id)
