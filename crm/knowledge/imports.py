"""Existing material into drafts: Markdown and Word (DOCX) files, one draft each, for an editor
to check and send for approval. Small files read in the request (a team's handful of
documents); nothing is published by an import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from crm.auth.models import User
from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l
from crm.knowledge.docx_import import docx_to_markdown
from crm.knowledge.models import Article
from crm.knowledge.services import BODY_MAX, TITLE_MAX, ArticleText, save_article

#: one file at most, in bytes
FILE_MAX = 1_000_000
FILES_MAX = 50
#: a Word document, pictures and all
DOCX_MAX = 5_000_000
SUFFIXES = (".md", ".markdown", ".txt", ".docx")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Refused:
    filename: str
    reason: str


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, the two encodings Chinese documents come in.

    :raises DomainError: for anything else.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError(_l("The file is neither UTF-8 nor GB18030 text.")) from None


def split_title(filename: str, text: str) -> tuple[str, str]:
    """The first level-one heading as the title (removed from the body), else the file's
    name without its suffix."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _HEADING.match(line.strip())
        if match:
            return match.group(1)[:TITLE_MAX], "\n".join(lines[index + 1 :]).strip("\n")
        break
    return PurePath(filename).stem[:TITLE_MAX] or "?", text.strip("\n")


def import_markdown(
    *, actor: User, files: list[tuple[str, bytes]], category: str
) -> tuple[list[Article], list[Refused]]:
    """One draft (internal, in ``category``) per readable Markdown file; the others are listed
    with the reason. The caller commits.

    :raises DomainError: for more than FILES_MAX files.
    """
    if len(files) > FILES_MAX:
        raise DomainError(_l("Import at most 50 files at a time."))
    made: list[Article] = []
    refused: list[Refused] = []
    for filename, data in files:
        name = PurePath(filename or "").name
        if not name.lower().endswith(SUFFIXES):
            refused.append(Refused(name, str(_l("Not a Markdown, text or Word (.docx) file."))))
            continue
        word = name.lower().endswith(".docx")
        if len(data) > (DOCX_MAX if word else min(FILE_MAX, BODY_MAX * 4)):
            refused.append(Refused(name, str(_l("The file is too large."))))
            continue
        try:
            title, body = split_title(name, docx_to_markdown(data) if word else decode(data))
            text = ArticleText(title, body, category, "internal")
            made.append(save_article(actor=actor, article=None, text=text, note=name[:200]))
        except DomainError as error:
            refused.append(Refused(name, str(error.message)))
    return made, refused
