"""One way in for every channel (ARCHITECTURE.md §16): the e-mail reader, the contact form and
the status page each turn what they received into an ``InboundMessage``, and ``receive`` does
the rest the same for all: counts it once, threads it into its case or opens one, matches the
sender to a customer without guessing, keeps its attachments, acknowledges it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select

from crm.cases.arrivals import customer_wrote, open_arrived_case
from crm.cases.models import Case, CaseOrigin
from crm.cases.supervisors import alert
from crm.channels import acknowledgements
from crm.channels.attachments import store
from crm.channels.models import (
    CaseMessage,
    InboundReceipt,
    MessageChannel,
    MessageKind,
    OutboundMail,
)
from crm.channels.outbox import CASE_TAG
from crm.customers.models import Customer
from crm.customers.phones import normalise_phone
from crm.customers.search import customers_with_phone
from crm.database import insert_ignoring_duplicates
from crm.errors import DomainError
from crm.extensions import db


@dataclass
class InboundAttachment:
    filename: str
    #: the content, read a chunk at a time by the store
    stream: BinaryIO


@dataclass
class InboundMessage:
    #: "email", "web" or "portal" (MessageChannel)
    channel: str
    #: the e-mail's Message-ID; a generated unique key for the other channels
    external_id: str
    subject: str
    body_text: str
    received_at: datetime
    sender_address: str | None = None
    sender_name: str | None = None
    sender_phone: str | None = None
    #: already sanitised by nh3 (``email_in.py``)
    body_html: str | None = None
    quoted_text: str | None = None
    #: In-Reply-To first, then References, newest first: the ids the message answers
    replied_ids: list[str] = field(default_factory=list)
    #: the case category the sender chose (contact form); e-mail arrives as an inquiry
    category: str | None = None
    #: the case a status-page answer belongs to (its secret link named it)
    case_id: int | None = None
    attachments: list[InboundAttachment] = field(default_factory=list)
    #: why the adapter found it must be ignored ("auto-reply", "bounce", "list"), else None
    ignored: str | None = None
    #: the language the sender wrote in (the contact form's), for the acknowledgement
    locale: str | None = None


@dataclass
class Received:
    case: int | None
    created: bool
    customer: int | None
    ignored: str | None

    def as_json(self) -> str:
        """The last line ``mail-ingest`` prints."""
        return json.dumps(
            {
                "case": self.case,
                "created": self.created,
                "customer": self.customer,
                "ignored": self.ignored,
            }
        )


def _of(receipt: InboundReceipt) -> Received:
    return Received(receipt.case_id, receipt.created, receipt.customer_id, receipt.ignored)


def receive(message: InboundMessage) -> Received:
    """Take one message in; the same ``external_id`` a second time (or in a second process at
    once) changes nothing and answers as the first time did, except that it did not create
    the case (``created`` is False).

    The caller commits.
    """
    claimed = insert_ignoring_duplicates(
        db.session,
        InboundReceipt,
        [
            {
                "channel": message.channel,
                "external_id": message.external_id[:255],
                "sender": (message.sender_address or "")[:254] or None,
                "subject": (message.subject or "")[:300] or None,
                "received_at": message.received_at,
                "created": False,
                "ignored": message.ignored,
            }
        ],
    )
    receipt = db.session.scalars(
        select(InboundReceipt).where(InboundReceipt.external_id == message.external_id[:255])
    ).one()
    if not claimed:
        # A repeat: the first arrival did the work; this one created nothing.
        return replace(_of(receipt), created=False)
    if message.ignored:
        return _of(receipt)
    case = _thread_of(message)
    created = case is None
    if case is None:
        customer, match = match_customer(message.sender_address, message.sender_phone)
        case = open_arrived_case(
            origin=CaseOrigin.WEB.value
            if message.channel == MessageChannel.WEB
            else CaseOrigin.EMAIL.value,
            subject=CASE_TAG.sub("", message.subject or "").strip(),
            category=message.category or "",
            now=message.received_at,
            customer=customer,
            customer_match=match,
            requester_name=message.sender_name,
            requester_email=message.sender_address,
            requester_phone=message.sender_phone,
        )
    else:
        follow_up = customer_wrote(case, message.received_at)
        created = follow_up is not case
        case = follow_up
    entry = _add_message(case, message)
    receipt.case_id = case.id
    receipt.customer_id = case.customer_id
    receipt.created = created
    if created:
        acknowledgements.acknowledge(case, message)
    elif case.assignee_id:
        alert(case, "case.customer_replied", [case.assignee_id], period=str(entry.id))
    db.session.flush()
    return _of(receipt)


def _thread_of(message: InboundMessage) -> Case | None:
    """The case the message answers: named by the status page's link, by the id of one of our
    mails it replies to, or, when the sender is the case's requester or customer, by the id
    of one of their earlier mails or the case number in its subject (a stranger cannot write
    into a case by typing its number or quoting a copied mail)."""
    if message.case_id is not None:
        return db.session.get(Case, message.case_id)
    ids = [i for i in message.replied_ids if i][:50]
    if ids:
        # Our own mails' ids reach only the people we wrote to (and whom they forward to).
        ours = db.session.scalar(
            select(OutboundMail.case_id)
            .where(OutboundMail.message_id.in_(ids), OutboundMail.case_id.is_not(None))
            .limit(1)
        )
        if ours is not None:
            return db.session.get(Case, ours)
    # The customer's own ids (seen by everyone copied) and the case number (typed by anyone)
    # thread only for the case's requester or customer.
    theirs = (
        db.session.scalar(
            select(CaseMessage.case_id).where(CaseMessage.message_id.in_(ids)).limit(1)
        )
        if ids
        else None
    )
    tag = CASE_TAG.search(message.subject or "")
    for case_id in (theirs, int(tag.group(1)) if tag else None):
        case = db.session.get(Case, case_id) if case_id is not None else None
        if case is not None and _from_its_customer(case, message.sender_address):
            return case
    return None


def _from_its_customer(case: Case, address: str | None) -> bool:
    return bool(address) and address.lower() in {
        (case.requester_email or "").lower(),
        (case.customer.email or "").lower() if case.customer else "",
    } - {""}


def match_customer(address: str | None, phone: str | None) -> tuple[Customer | None, str]:
    """The one live customer with this e-mail address (else with this phone number): the
    customer and "" when exactly one; None and "none" or "several" otherwise."""
    found: list[int] = []
    if address:
        found = list(
            db.session.scalars(
                select(Customer.id)
                .where(
                    func.lower(Customer.email) == address.strip().lower(),
                    Customer.deleted_at.is_(None),
                )
                .limit(2)
            )
        )
    if not found and phone:
        try:
            found = [customer.id for customer in customers_with_phone(normalise_phone(phone))]
        except DomainError:
            found = []
    if len(found) == 1:
        return db.session.get(Customer, found[0]), ""
    return None, "several" if found else "none"


def _add_message(case: Case, message: InboundMessage) -> CaseMessage:
    entry = CaseMessage(
        case_id=case.id,
        kind=MessageKind.INBOUND.value,
        channel=message.channel,
        sender_name=(message.sender_name or "")[:200] or None,
        sender_address=(message.sender_address or "")[:254] or None,
        body_text=message.body_text or "",
        body_html=message.body_html,
        quoted_text=message.quoted_text,
        message_id=message.external_id[:255] if message.channel == MessageChannel.EMAIL else None,
        created_at=message.received_at,
    )
    db.session.add(entry)
    db.session.flush()
    refused = []
    for attachment in message.attachments:
        try:
            with db.session.begin_nested():
                store(
                    case_id=case.id,
                    message_id=entry.id,
                    filename=attachment.filename,
                    stream=attachment.stream,
                )
        except DomainError as error:
            refused.append(str(error.message))
    if refused:
        # The message is kept whatever its files; the agent sees what was not.
        entry.body_text = (entry.body_text + "\n\n" + "\n".join(f"⚠ {r}" for r in refused)).strip()
    return entry
