"""A case's conversation as agents write it: public replies (sent to the customer through the
outbox), internal notes (with @mentions that notify), their attachments, reply templates; and
the conversation read back in order with the case's status changes and outgoing mails."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.access import may_read_case
from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.queries import users_shown_by_name
from crm.cases.arrivals import log_contact
from crm.cases.models import Case, CaseEvent, CaseStatus
from crm.cases.services import change_status, require_change
from crm.cases.supervisors import alert
from crm.channels.attachments import store
from crm.channels.models import (
    CaseMessage,
    MessageChannel,
    MessageKind,
    OutboundKind,
    OutboundMail,
    ReplyTemplate,
)
from crm.channels.outbox import queue_mail
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import force_locale
from crm.i18n import gettext as _
from crm.i18n import lazy_gettext as _l

MAX_BODY = 20_000
#: "@username" in a note (user names are ASCII), also typed the Chinese way: 请@li.na帮忙
MENTION = re.compile(r"(?<![A-Za-z0-9._@])@([A-Za-z0-9][A-Za-z0-9._-]{2,63})")


@dataclass
class Upload:
    filename: str
    stream: Any


def reply_address(case: Case) -> str | None:
    """Where a public reply goes: whoever wrote in, else the customer's address."""
    if case.requester_email:
        return case.requester_email
    return case.customer.email if case.customer and case.customer.email else None


def _body(text: str | None) -> str:
    body = (text or "").strip()
    if not body:
        raise DomainError(_l("Write the message first."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(
            _l("A message is at most %(max)d characters.", max=MAX_BODY), field="body"
        )
    return body


def _new_message(
    actor: User,
    case: Case,
    kind: MessageKind,
    text: str,
    now: datetime,
    uploads: list[Upload] | None,
) -> CaseMessage:
    """The agent's message with its files, written before anything is sent or notified, so a
    refused file refuses the whole message."""
    entry = CaseMessage(
        case_id=case.id,
        kind=kind.value,
        channel=MessageChannel.AGENT.value,
        author_id=actor.id,
        body_text=text,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    for upload in uploads or []:
        store(case_id=case.id, message_id=entry.id, filename=upload.filename, stream=upload.stream)
    return entry


def reply(
    *, actor: User, case: Case, body: str, now: datetime, uploads: list[Upload] | None = None
) -> CaseMessage:
    """Send the customer a public reply, threaded into their mail conversation. The first one
    is the case's first response (its clock stops).

    :raises DomainError: without a body, with neither an address nor a status page to reach the
        customer, or for a refused file.
    """
    require_change(actor, case)
    text = _body(body)
    to_address = reply_address(case)
    if to_address is None and case.portal_token_hash is None:
        raise DomainError(
            _l("Neither the case nor its customer has an e-mail address; call the customer."),
            field="body",
        )
    entry = _new_message(actor, case, MessageKind.REPLY, text, now, uploads)
    # A requester who wrote through the contact form without an address reads the reply on
    # their status page; one with an address is also e-mailed.
    if to_address is not None:
        mail = queue_mail(
            case_id=case.id,
            kind=OutboundKind.REPLY.value,
            to_address=to_address,
            subject=case.subject,
            body=text,
            now=now,
            case_message_id=entry.id,
        )
        entry.message_id = mail.message_id
    if case.first_response_at is None and case.status == CaseStatus.NEW.value:
        change_status(actor=actor, case=case, status=CaseStatus.IN_PROGRESS.value, now=now)
    if case.assignee_id is None or case.assignee_id == actor.id:
        log_contact(case, actor)
    record(
        action=AuditAction.CASE_REPLIED,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"message": entry.id, "recipient": to_address},
    )
    db.session.flush()
    return entry


def add_note(
    *, actor: User, case: Case, body: str, now: datetime, uploads: list[Upload] | None = None
) -> CaseMessage:
    """Add an internal note; each active colleague it @mentions who may read the case is
    notified once per note."""
    require_change(actor, case)
    text = _body(body)
    entry = _new_message(actor, case, MessageKind.NOTE, text, now, uploads)
    readers, _others = _mentioned(case, text, actor)
    alert(
        case,
        "case.mention",
        [user.id for user in readers],
        period=str(entry.id),
        author=actor.display_name,
    )
    return entry


def _mentioned(case: Case, text: str, actor: User) -> tuple[list[User], list[User]]:
    """The active colleagues ``text`` @mentions: those who may read the case, and the others
    (who are not told: the notice would open nothing, and would show them the subject)."""
    names = {name.rstrip(".").lower() for name in MENTION.findall(text)}
    if not names:
        return [], []
    people = db.session.scalars(
        select(User)
        .where(func.lower(User.username).in_(names), User.active.is_(True), User.id != actor.id)
        .order_by(User.username)
    ).all()
    readers = [person for person in people if may_read_case(person, case)]
    return readers, [person for person in people if person not in readers]


def mentioned_outside(case: Case, text: str, actor: User) -> list[str]:
    """The user names ``text`` mentions who may not read the case, so the author can be told."""
    return [person.username for person in _mentioned(case, text, actor)[1]]


def fill_template(template: ReplyTemplate, case: Case) -> str:
    """The template's text with the case's values, as plain text (never markup)."""
    name = case.customer.name if case.customer else case.requester_name or ""
    return template.body.replace("{customer_name}", name).replace("{case_number}", str(case.id))


def active_templates() -> list[ReplyTemplate]:
    return list(
        db.session.scalars(
            select(ReplyTemplate).where(ReplyTemplate.active.is_(True)).order_by(ReplyTemplate.name)
        )
    )


@dataclass
class ThreadItem:
    at: datetime
    #: "message", "event" or "mail"
    kind: str
    item: Any


def thread(case: Case, *, public_only: bool = False) -> list[ThreadItem]:
    """The case's conversation and history in order: messages (with their attachments), status
    changes and other events, and the mails sent that carry no message (acknowledgement,
    survey invitation). ``public_only`` leaves out internal notes and events."""
    # Authors and actors are shown by name: their roles are not read (a statement each).
    messages = (
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id)
        .options(selectinload(CaseMessage.attachments), *users_shown_by_name(CaseMessage))
    )
    if public_only:
        messages = messages.where(CaseMessage.kind != MessageKind.NOTE.value)
    items = [ThreadItem(m.created_at, "message", m) for m in db.session.scalars(messages)]
    if not public_only:
        items += [
            ThreadItem(e.at, "event", e)
            for e in db.session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.id)
                .options(*users_shown_by_name(CaseEvent))
            )
        ]
        items += [
            ThreadItem(mail.created_at, "mail", mail)
            for mail in db.session.scalars(
                select(OutboundMail).where(
                    OutboundMail.case_id == case.id, OutboundMail.case_message_id.is_(None)
                )
            )
        ]
    # At one moment: what happened to the case, then what was written, then what was mailed.
    order = {"event": 0, "message": 1, "mail": 2}
    return sorted(items, key=lambda i: (i.at, order[i.kind], i.item.id))


def mail_states(case: Case) -> dict[int, OutboundMail]:
    """The outgoing mail of each reply of the case, by message id (its delivery state)."""
    return {
        mail.case_message_id: mail
        for mail in db.session.scalars(
            select(OutboundMail).where(
                OutboundMail.case_id == case.id, OutboundMail.case_message_id.is_not(None)
            )
        )
    }


def invite_to_survey(*, case: Case, link: str, now: datetime) -> OutboundMail | None:
    """E-mail the survey link to the case's customer, when there is an address."""
    to_address = reply_address(case)
    if to_address is None:
        return None
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("How did we do?") + f" {case.subject}"
        body = "\n\n".join(
            [
                _("Your case #%(number)d is resolved. Please tell us how we did:", number=case.id),
                link,
                _("Customer service"),
            ]
        )
    return queue_mail(
        case_id=case.id,
        kind=OutboundKind.SURVEY.value,
        to_address=to_address,
        subject=subject,
        body=body,
        now=now,
    )
