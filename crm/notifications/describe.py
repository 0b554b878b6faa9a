"""The wording of a notice (or a digest of many) in the current language."""

from __future__ import annotations

from datetime import datetime

from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.notifications.kinds import DIGEST, KIND_LABELS
from crm.notifications.models import Notification
from crm.timezones import format_datetime


def describe(notification: Notification) -> str:
    """The notice in the current language."""
    payload = notification.payload
    if notification.subject_type == DIGEST:
        return _describe_digest(notification.kind, payload["count"])
    if notification.kind == "callback.due":
        return _("Callback due %(date)s: %(customer)s", **payload)
    if notification.kind == "callback.overdue":
        return _("Overdue callback (%(date)s, %(agent)s): %(customer)s", **payload)
    if notification.kind == "case.breach_response":
        return _("Case #%(case)s missed its first-response time: %(subject)s", **payload)
    if notification.kind == "case.breach_resolution":
        return _("Case #%(case)s missed its resolution time: %(subject)s", **payload)
    if notification.kind == "case.transferred":
        return _("Case #%(case)s was transferred to you or your department: %(subject)s", **payload)
    if notification.kind == "case.assigned":
        return _("New case #%(case)s for you: %(subject)s", **payload)
    if notification.kind == "case.customer_replied":
        return _("The customer wrote on case #%(case)s: %(subject)s", **payload)
    if notification.kind == "case.mention":
        return _("%(author)s mentioned you on case #%(case)s: %(subject)s", **payload)
    if notification.kind == "call.missed":
        # The due time in the reader's zone (older notices carry it written in Shanghai's).
        due = payload.get("due", "")
        if payload.get("due_at"):
            due = format_datetime(datetime.fromisoformat(payload["due_at"]), "short")
        return _(
            "Missed call from %(caller)s: call back by %(due)s", caller=payload["caller"], due=due
        )
    if notification.kind == "case.at_risk":
        return _("Case #%(case)s is close to missing its resolution time: %(subject)s", **payload)
    if notification.kind == "case.low_score":
        return _("Low satisfaction score (%(score)s) on case #%(case)s: %(subject)s", **payload)
    if notification.kind == "certificate.expiring":
        return _("Onboarding certificate of %(agent)s expires on %(date)s", **payload)
    if notification.kind == "qa.review":
        return _("Your interaction was reviewed: %(score)s points (review #%(review)s)", **payload)
    if notification.kind == "qa.dispute":
        return _("%(agent)s disputes QA review #%(review)s", **payload)
    if notification.kind == "qa.dispute_accepted":
        return _("The dispute of QA review #%(review)s was accepted", **payload)
    if notification.kind == "qa.dispute_rejected":
        return _("The dispute of QA review #%(review)s was rejected", **payload)
    if notification.kind == "qa.training":
        return _("Training assigned after QA review #%(review)s: %(topic)s", **payload)
    if notification.kind == "plan.action_due":
        return _("Improvement action due %(date)s: how did it go? %(title)s", **payload)
    if notification.kind == "knowledge.stale":
        return _("Your article is past its review-by date (%(date)s): %(title)s", **payload)
    return notification.kind


def _describe_digest(kind: str, count: int) -> str:
    if kind == "callback.due":
        return ngettext("%(num)d callback is due", "%(num)d callbacks are due", count)
    if kind == "callback.overdue":
        return ngettext("%(num)d callback is overdue", "%(num)d callbacks are overdue", count)
    label = KIND_LABELS.get(kind, kind)
    return ngettext("%(num)d notice: %(kind)s", "%(num)d notices: %(kind)s", count, kind=label)
