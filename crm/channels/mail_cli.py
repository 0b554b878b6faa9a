"""``flask mail-fetch`` (the mail job once, for cron and ops) and ``flask mail-ingest`` (one
message from an MTA's pipe). Thin: the same functions as the scheduler.

``mail-ingest`` exits as an MTA's pipe transport expects (sysexits.h): 0 when the message was
taken in (or was a repeat, or is to be ignored), EX_DATAERR when the input is no message (the
MTA bounces it to its sender), EX_TEMPFAIL when the CRM could not store it (the MTA keeps it
and tries again later, so nothing is lost).
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from crm.channels.email_in import MessageError, parsed
from crm.channels.imap import fetch_mail
from crm.channels.inbound import receive
from crm.database import utcnow
from crm.extensions import db

EX_DATAERR = 65
EX_TEMPFAIL = 75


@click.command("mail-fetch")
@with_appcontext
def mail_fetch_command() -> None:
    """Read the new messages of the IMAP mailbox once and print how many were taken in."""
    if not current_app.config["IMAP_HOST"]:
        raise click.ClickException("No IMAP mailbox is configured (CRM_IMAP_HOST).")
    try:
        taken = fetch_mail(utcnow())
    except Exception as error:
        db.session.rollback()
        raise click.ClickException(f"Reading the mailbox failed: {error}") from error
    click.echo(f"Messages taken in: {taken}")


@click.command("mail-ingest")
@with_appcontext
def mail_ingest_command() -> None:
    """Take in one RFC 822 message from standard input; print as the last line
    {"case", "created", "customer", "ignored"} as JSON."""
    try:
        with parsed(click.get_binary_stream("stdin")) as message:
            try:
                received = receive(message)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                current_app.logger.exception("mail-ingest could not store %s", message.external_id)
                click.echo(
                    f"mail-ingest: could not store the message, try again later: {error}",
                    err=True,
                )
                sys.exit(EX_TEMPFAIL)
    except MessageError as error:
        click.echo(f"mail-ingest: not taken: {error}", err=True)
        sys.exit(EX_DATAERR)
    click.echo(received.as_json())
