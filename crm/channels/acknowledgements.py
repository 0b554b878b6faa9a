"""The automatic answer to a new case: "we received your request, case #123", with the link
to its status page, in the sender's language (the service's default when unknown). Sent
through the outbox with loop protection, and only to the address that wrote in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from crm.cases.models import Case
from crm.channels.models import OutboundKind
from crm.channels.outbox import queue_mail
from crm.channels.portal import issue_link
from crm.i18n import force_locale
from crm.i18n import gettext as _

if TYPE_CHECKING:
    from crm.channels.inbound import InboundMessage


def acknowledge(case: Case, message: InboundMessage) -> None:
    """Queue the acknowledgement of a case ``message`` opened (none without an address)."""
    if not message.sender_address:
        return
    link = issue_link(case)
    with force_locale(message.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("We received your request") + f": {case.subject}"
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=message.sender_name or message.sender_address),
                _(
                    "we received your request and opened case #%(number)d for it. We will "
                    "answer you as soon as we can; reply to this e-mail to add to it.",
                    number=case.id,
                ),
                _("See where your request stands and answer us here:") + "\n" + link,
                _("Customer service"),
            ]
        )
    queue_mail(
        case_id=case.id,
        kind=OutboundKind.ACKNOWLEDGEMENT.value,
        to_address=message.sender_address,
        subject=subject,
        body=body,
        now=message.received_at,
        automatic=True,
    )
