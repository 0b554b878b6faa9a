"""Text out of whatever bytes and declarations a mail program sent: bodies, headers with
encoded words (RFC 2047), parameters split and encoded by RFC 2231, raw 8-bit headers.

Chinese mail programs declare GB2312 (or GBK) and send characters only GBK or GB18030 have, and
some declare UTF-8 over GB18030 bytes or declare nothing at all. So a declaration is a first
guess: the bytes are tried as declared, then as UTF-8, then as GB18030, and in the end as
Latin-1, which never fails. Nothing here raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from email.message import Message

#: declarations of GB18030's subsets, read as GB18030, which decodes all they cover and more
GB_FAMILY = {
    "gb2312",
    "gb_2312",
    "gb_2312-80",
    "csgb2312",
    "euc-cn",
    "euccn",
    "x-euc-cn",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "windows-936",
    "chinese",
}
#: the guesses after the declared charset, in order (Latin-1 last: it takes any bytes)
FALLBACKS = ("utf-8", "gb18030")
ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
SURROGATE = re.compile("[\udc80-\udcff]")


def _codec(declared: str | None) -> str | None:
    """The Python codec for a declared charset, or None when unknown or not a text encoding
    (a sender naming "rot13" or "base64" gets the fallbacks, not a crash)."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").split("*", 1)[0].lower()
    if name in GB_FAMILY:
        return "gb18030"
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """``data`` as text: as declared if that decodes cleanly, else UTF-8, else GB18030, else
    Latin-1 (never raises)."""
    tried: list[str] = []
    for name in (_codec(declared), *FALLBACKS):
        if name is None or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", "replace")


def _unescape_raw(text: str) -> str:
    """A header parsed from bytes keeps raw 8-bit bytes as surrogates; decode them."""
    if not SURROGATE.search(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def _decode_word(charset: str, encoding: str, payload: str) -> str:
    try:
        if encoding.lower() == "b":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return payload
    return decode_bytes(data, charset)


def header_text(raw: str | None) -> str:
    """A header's value as text: unfolded, raw 8-bit bytes and encoded words decoded (the
    whitespace between two encoded words dropped, as RFC 2047 says)."""
    if not raw:
        return ""
    text = _unescape_raw(re.sub(r"\r?\n(?=[ \t])", "", str(raw)))
    out: list[str] = []
    position = 0
    previous_was_word = False
    for match in ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if not (previous_was_word and not between.strip()):
            out.append(between)
        out.append(_decode_word(*match.groups()))
        position = match.end()
        previous_was_word = True
    out.append(text[position:])
    return "".join(out).strip()


def raw_header(part: Message, name: str) -> str | None:
    """The header as it came, before the ``email`` package's own decoding (which replaces
    what it cannot decode)."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def parameter(part: Message, header: str, name: str) -> str | None:
    """A parameter of a structured header (``filename`` of Content-Disposition, ``name`` of
    Content-Type) as text, whether RFC 2231 encoded, encoded-word or raw 8-bit."""
    raw = raw_header(part, header)
    if raw is None:
        return None
    # An untouched (compat32) message keeps RFC 2231's charset beside the undecoded bytes.
    holder = Message()
    holder["Content-Type"] = _unescape_raw(raw)
    value = holder.get_param(name, header="content-type")
    if value is None:
        return None
    if isinstance(value, tuple):
        charset, _language, encoded = value
        return decode_bytes(encoded.encode("latin-1", "surrogateescape"), charset).strip()
    return header_text(value)
