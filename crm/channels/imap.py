"""The scheduler's mail reader: new messages of the configured IMAP mailbox, each taken in
through ``parse_message`` and ``receive`` and committed on its own.

What was read is marked with the IMAP keyword ``$CrmProcessed`` after its commit, and only
messages without it are fetched (not ``\\Seen``, which people reading the mailbox set and
clear). A crash between the commit and the keyword reads that message again next time, which
is harmless: ``receive`` is idempotent by Message-ID. A message that cannot be parsed or
stored is logged, marked ``$CrmFailed`` and left in the mailbox for a person; the others go
on. Messages are fetched one at a time (BODY.PEEK, so nothing is marked read), and at most
FETCH_BATCH per run, so a full mailbox is worked through over several runs.
"""

from __future__ import annotations

import ssl
from datetime import datetime

from flask import current_app
from imapclient import IMAPClient
from sqlalchemy.exc import OperationalError

from crm.channels.email_in import MESSAGE_MAX_BYTES, MessageError, parsed
from crm.channels.inbound import receive
from crm.extensions import db

PROCESSED = "$CrmProcessed"
FAILED = "$CrmFailed"
FETCH_BATCH = 100
TIMEOUT_SECONDS = 60


def connect() -> IMAPClient:
    """A signed-in connection to the configured mailbox's server: IMAP over TLS with the
    certificate checked, unless IMAP_TLS is off (a server on loopback)."""
    config = current_app.config
    client = IMAPClient(
        config["IMAP_HOST"],
        port=config["IMAP_PORT"],
        ssl=config["IMAP_TLS"],
        ssl_context=ssl.create_default_context() if config["IMAP_TLS"] else None,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        client.login(config["IMAP_USER"], config["IMAP_PASSWORD"])
    except BaseException:
        client.shutdown()
        raise
    return client


def fetch_mail(now: datetime) -> int:
    """The mail job: take in the mailbox's new messages. Returns how many were taken in
    (ignored ones included); nothing while IMAP_HOST is empty.

    Commits after each message itself, since each is marked on the server after its commit.
    Connection and sign-in failures raise; the scheduler logs them and tries again next turn.
    """
    if not current_app.config["IMAP_HOST"]:
        return 0
    taken = 0
    with connect() as client:
        selected = client.select_folder(current_app.config["IMAP_FOLDER"])
        if b"\\*" not in selected.get(b"PERMANENTFLAGS", ()):
            current_app.logger.error(
                "The mailbox keeps no keywords: messages cannot be marked read by the CRM and "
                "are read again each run (receive() drops the repeats)"
            )
        uids = sorted(client.search(["UNKEYWORD", PROCESSED, "UNKEYWORD", FAILED]))[:FETCH_BATCH]
        sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
        for uid in uids:
            size = sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
            if size > MESSAGE_MAX_BYTES:
                current_app.logger.error(
                    "Mail %s is too large (%s bytes); left for a person", uid, size
                )
                client.add_flags([uid], [FAILED])
                continue
            if _take(client, uid):
                client.add_flags([uid], [PROCESSED])
                taken += 1
            else:
                client.add_flags([uid], [FAILED])
    return taken


def _take(client: IMAPClient, uid: int) -> bool:
    """Take one message in and commit it; False (logged, rolled back) when the message itself
    failed. A database that is down or locked raises instead: the message is not to blame and
    is read again next turn."""
    raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
    try:
        if raw is None:
            raise MessageError("the server sent no body")
        with parsed(raw) as message:
            receive(message)
            db.session.commit()
    except OperationalError:
        db.session.rollback()
        raise
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Mail %s could not be taken in; marked %s", uid, FAILED)
        return False
    return True
