"""E-mail in: one RFC 822 message turned into the ``InboundMessage`` that ``receive`` takes, the
same for the IMAP reader (``imap.py``) and the MTA pipe (``flask mail-ingest``).

Memory: the message is fed to the parser a chunk at a time; each attachment is decoded a chunk
at a time into a spooled temporary file (on disk past SPOOL_BYTES), which the attachment store
then copies a chunk at a time. A 20 MB attachment is held about twice while the message is
parsed (the encoded text and the parser's lines), never decoded whole in memory.
"""

from __future__ import annotations

import binascii
import email.policy
import hashlib
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage, Message
from email.parser import BytesFeedParser
from email.utils import parseaddr
from typing import BinaryIO

from flask import current_app, has_app_context

from crm.channels.email_body import html_to_text, sanitise_html, split_quoted
from crm.channels.email_decode import decode_bytes, header_text, parameter, raw_header
from crm.channels.inbound import InboundAttachment, InboundMessage
from crm.channels.models import MessageChannel
from crm.database import utcnow

READ_CHUNK = 256 * 1024
#: an attachment this large moves from memory to a temporary file while it is decoded
SPOOL_BYTES = 1024 * 1024
#: a message larger than this is refused whole (the attachment limit is 20 MB; base64 adds a
#: third, and a message may carry several)
MESSAGE_MAX_BYTES = 100 * 1024 * 1024
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
#: Precedence values of mailing lists and bulk senders
LIST_PRECEDENCE = {"bulk", "list", "junk"}
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}


class MessageError(ValueError):
    """The input is not an e-mail message we can take (empty, not RFC 822, too large)."""


def parse_message(raw: bytes | BinaryIO, *, own_address: str | None = None) -> InboundMessage:
    """One RFC 822 message (bytes, or a binary stream read a chunk at a time) as an
    ``InboundMessage`` of the "email" channel.

    :param own_address: our own mailbox (default: the app's MAIL_ADDRESS); a mail from it is
        ignored, since answering it would write to ourselves.
    :raises MessageError: when the input is empty, has no header at all, is larger than
        MESSAGE_MAX_BYTES or nests its parts too deeply.
    """
    try:
        message, digest = _parse(raw)
        if own_address is None and has_app_context():
            own_address = current_app.config.get("MAIL_ADDRESS")
        sender_name, sender_address = _sender(message)
        text, html, attachments = _contents(message)
    except RecursionError:
        # Thousands of nested parts: no person writes that; Python's parser recurses per level.
        raise MessageError("the message's parts are nested too deeply") from None
    body_text, quoted = split_quoted(text)
    return InboundMessage(
        channel=MessageChannel.EMAIL.value,
        external_id=_message_id(message) or f"<sha256.{digest}@generated.invalid>",
        subject=header_text(raw_header(message, "subject"))[:300],
        body_text=body_text,
        body_html=html,
        quoted_text=quoted,
        received_at=utcnow(),
        sender_address=sender_address,
        sender_name=sender_name,
        replied_ids=_replied_ids(message),
        attachments=attachments,
        ignored=ignored_reason(message, sender_address, own_address),
    )


@contextmanager
def parsed(raw: bytes | BinaryIO, *, own_address: str | None = None) -> Iterator[InboundMessage]:
    """``parse_message`` for a ``with`` block, which closes (and so deletes) the attachments'
    temporary files when it ends; ``receive`` has copied them into the store by then."""
    message = parse_message(raw, own_address=own_address)
    try:
        yield message
    finally:
        for attachment in message.attachments:
            attachment.stream.close()


def _parse(raw: bytes | BinaryIO) -> tuple[EmailMessage, str]:
    parser = BytesFeedParser(policy=email.policy.default)
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(raw):
        size += len(chunk)
        if size > MESSAGE_MAX_BYTES:
            raise MessageError(f"the message is larger than {MESSAGE_MAX_BYTES // 2**20} MB")
        digest.update(chunk)
        parser.feed(chunk)
    if size == 0:
        raise MessageError("the input is empty")
    message = parser.close()
    if not message.keys():
        raise MessageError("the input is not an e-mail message (no header)")
    return message, digest.hexdigest()  # type: ignore[return-value]


def _chunks(raw: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(raw, bytes | bytearray | memoryview):
        view = memoryview(raw)
        for start in range(0, len(view), READ_CHUNK):
            yield bytes(view[start : start + READ_CHUNK])
        return
    while chunk := raw.read(READ_CHUNK):
        yield chunk


def _message_id(message: Message) -> str | None:
    raw = header_text(raw_header(message, "message-id"))
    if not raw:
        return None
    found = MESSAGE_ID.search(raw)
    value = found.group(0) if found else f"<{raw.strip('<> ')}>"
    return value if 2 < len(value) <= 255 else None


def _replied_ids(message: Message) -> list[str]:
    """In-Reply-To, then References from the newest to the oldest, each once."""
    ids: list[str] = []
    in_reply_to = MESSAGE_ID.findall(header_text(raw_header(message, "in-reply-to")))
    references = MESSAGE_ID.findall(header_text(raw_header(message, "references")))
    for found in [*in_reply_to, *reversed(references)]:
        if found not in ids and len(found) <= 255:
            ids.append(found)
    return ids


def _sender(message: Message) -> tuple[str | None, str | None]:
    """The From header's name and lower-case address (the address a reply goes to is ours to
    choose: the one that wrote, not a Reply-To someone else may have set)."""
    raw = raw_header(message, "from") or ""
    # The address is parsed before the name is decoded: a decoded name may hold a comma.
    name, address = parseaddr(re.sub(r"\r?\n(?=[ \t])", "", raw))
    address = header_text(address).strip().lower()
    if "@" not in address or len(address) > 254 or re.search(r"\s", address):
        address = ""
    name = header_text(name).strip().strip('"').strip()
    return (name[:200] or None), (address or None)


def ignored_reason(message: Message, sender: str | None, own_address: str | None) -> str | None:
    """Why this message must open nothing and answer nothing: a mail from ourselves (a loop),
    a bounce, an automatic reply or a list's mail; None for a person's mail."""

    def value(name: str) -> str:
        return header_text(raw_header(message, name)).strip().lower()

    if sender and own_address and sender == own_address.strip().lower():
        return "own address"
    if sender and sender.partition("@")[0] in BOUNCE_SENDERS:
        return "bounce"
    if message.get_content_type() == "multipart/report" and (
        message.get_param("report-type") or ""
    ).lower() in {"delivery-status", "disposition-notification"}:
        return "bounce"
    auto_submitted = value("auto-submitted").split(";", 1)[0].strip()
    precedence = value("precedence")
    if (
        (auto_submitted and auto_submitted != "no")
        or raw_header(message, "x-autoreply") is not None
        or raw_header(message, "x-autorespond") is not None
        or value("x-auto-response-suppress") == "all"
        or precedence == "auto_reply"
    ):
        return "auto-reply"
    if (
        precedence in LIST_PRECEDENCE
        or raw_header(message, "list-id") is not None
        or raw_header(message, "list-unsubscribe") is not None
    ):
        return "list"
    return None


def _contents(message: Message) -> tuple[str, str | None, list[InboundAttachment]]:
    """The text (from text/plain, else from the HTML), the sanitised HTML and the files."""
    plain: str | None = None
    html: str | None = None
    attachments: list[InboundAttachment] = []
    for part in _leaves(message):
        filename = parameter(part, "content-disposition", "filename") or parameter(
            part, "content-type", "name"
        )
        content_type = part.get_content_type()
        is_body = (
            part.get_content_disposition() != "attachment"
            and not filename
            and content_type in {"text/plain", "text/html"}
        )
        if is_body and content_type == "text/plain" and plain is None:
            plain = _text_of(part)
        elif is_body and content_type == "text/html" and html is None:
            html = sanitise_html(_text_of(part))
        elif not is_body and content_type not in {"message/delivery-status"}:
            attachments.append(
                InboundAttachment(filename=filename or _default_name(part), stream=_spool(part))
            )
    text = plain if plain is not None else html_to_text(html or "")
    return text, html, attachments


def _leaves(part: Message) -> Iterator[Message]:
    """The parts that carry content; a forwarded message is one part (an .eml attachment), not
    mixed into this mail's body."""
    if part.get_content_type() == "message/rfc822":
        yield part
    elif part.is_multipart():
        for child in part.get_payload():  # type: ignore[union-attr]
            yield from _leaves(child)
    else:
        yield part


def _text_of(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    return decode_bytes(data, part.get_param("charset"))  # type: ignore[arg-type]


def _default_name(part: Message) -> str:
    if part.get_content_type() == "message/rfc822":
        return "message.eml"
    return "attachment." + {"text/plain": "txt", "text/html": "html"}.get(
        part.get_content_type(), "bin"
    )


def _spool(part: Message) -> BinaryIO:
    """The part's decoded content in a file that spills to disk past SPOOL_BYTES."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the store reads it later
    if part.get_content_type() == "message/rfc822":
        spool.write(b"".join(bytes(child) for child in part.get_payload()))  # type: ignore[union-attr]
    elif part.get("content-transfer-encoding", "").strip().lower() == "base64":
        _decode_base64(str(part.get_payload()), spool)
    else:
        spool.write(part.get_payload(decode=True) or b"")
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _decode_base64(encoded: str, out: BinaryIO) -> None:
    """Decode base64 text a slice at a time (never the whole file decoded in memory); stray
    characters are skipped as mail programs do."""
    carry = ""
    for start in range(0, len(encoded), READ_CHUNK):
        piece = carry + re.sub(r"[^A-Za-z0-9+/]", "", encoded[start : start + READ_CHUNK])
        usable = len(piece) - len(piece) % 4
        carry = piece[usable:]
        if usable:
            out.write(binascii.a2b_base64(piece[:usable]))
    if len(carry) > 1:
        out.write(binascii.a2b_base64(carry + "=" * (-len(carry) % 4)))
