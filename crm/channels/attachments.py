"""Attachments of cases: checked for size and type, stored once per content under the instance
folder (named by SHA-256, never by the sender's name), read back only through the case's
access check (``views.py``)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from crm.channels.models import CaseAttachment
from crm.core.limits import megabytes
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l

#: the types taken, by extension, and the type each is served as (never the sender's claim);
#: nothing a browser would run (HTML, SVG, scripts)
ALLOWED_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "eml": "message/rfc822",
}
#: shown inline on the case page; every other type is downloaded
PREVIEWED = {"image/png", "image/jpeg", "image/gif", "image/webp"}
CHUNK = 64 * 1024


def clean_filename(raw: str | None) -> str:
    """The sender's file name without folders, control characters or a leading dot, at most
    200 characters: a long one is shortened before its extension, which decides its type."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (
            stem[: 199 - len(extension)] + dot + extension
            if dot and len(extension) <= 10
            else name[:200]
        )
    return name or "attachment"


def type_of(filename: str) -> str | None:
    """The content type a file of this name is stored and served as; None: not taken."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return ALLOWED_TYPES.get(extension)


def storage_root() -> Path:
    configured = current_app.config["ATTACHMENT_DIR"]
    return Path(configured) if configured else Path(current_app.instance_path) / "attachments"


def path_of(attachment: CaseAttachment) -> Path:
    return storage_root() / attachment.sha256[:2] / attachment.sha256


def store(
    *, case_id: int, message_id: int | None, filename: str | None, stream: BinaryIO
) -> CaseAttachment:
    """Copy ``stream`` into the store a chunk at a time (memory stays flat whatever the size)
    and record it on the case.

    :raises DomainError: for a type not taken or a file over ATTACHMENT_MAX_BYTES; nothing is
        kept then.
    """
    name = clean_filename(filename)
    content_type = type_of(name)
    if content_type is None:
        raise DomainError(
            _l(
                "%(name)s: this type of file is not taken (images, PDF, Office documents, "
                "text, archives, audio and video are).",
                name=name,
            ),
            field="attachment",
        )
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=root, delete=False) as spool:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DomainError(
                        _l("%(name)s is larger than %(limit)s.", name=name, limit=megabytes(limit)),
                        field="attachment",
                    )
                digest.update(chunk)
                spool.write(chunk)
        except BaseException:
            spool.close()
            os.unlink(spool.name)
            raise
    sha = digest.hexdigest()
    target = root / sha[:2] / sha
    target.parent.mkdir(exist_ok=True)
    if target.exists():
        os.unlink(spool.name)
    else:
        os.replace(spool.name, target)
    attachment = CaseAttachment(
        case_id=case_id,
        message_id=message_id,
        filename=name,
        content_type=content_type,
        size=size,
        sha256=sha,
        created_at=utcnow(),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment
