"""Hand-built e-mails for the channel tests, as bytes on the wire."""

from __future__ import annotations

import base64
import itertools

_numbers = itertools.count(1)


def encoded_word(text: str, charset: str) -> str:
    """``text`` as one RFC 2047 base64 encoded word in ``charset``."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def raw_mail(
    *,
    sender: str = "Li Lei <lilei@example.cn>",
    subject: str = "Question",
    body: bytes = b"Hello, my order has not arrived.\r\n",
    content_type: str = "text/plain; charset=utf-8",
    headers: dict[str, str] | None = None,
    message_id: str | None = "auto",
) -> bytes:
    """A single-part message; ``headers`` added as given (already encoded), a non-ASCII
    subject as a UTF-8 encoded word."""
    if not subject.isascii():
        subject = encoded_word(subject, "utf-8")
    lines = [f"From: {sender}", "To: support@localhost", f"Subject: {subject}"]
    if message_id == "auto":
        message_id = f"<test.{next(_numbers)}@mail.example.cn>"
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += ["Date: Tue, 02 Jan 2024 10:00:00 +0800", "MIME-Version: 1.0"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Type: {content_type}")
    if not body.isascii():
        lines.append("Content-Transfer-Encoding: 8bit")
    return "\r\n".join(lines).encode("ascii") + b"\r\n\r\n" + body
