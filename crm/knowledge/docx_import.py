"""Word documents (DOCX) as Markdown for the import: headings, bulleted and numbered lists,
paragraphs and simple tables; pictures and formatting within a line are left out."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

#: what a document may unpack to: a zip of a few hundred KB can hold gigabytes
UNPACKED_MAX = 20_000_000


def _paragraph(paragraph: Paragraph) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return f"# {text}"
    if style.startswith("Heading "):
        level = style.removeprefix("Heading ").strip()
        return f"{'#' * min(int(level), 6) if level.isdigit() else '#'} {text}"
    if style.startswith("List Bullet"):
        return f"- {text}"
    if style.startswith("List Number"):
        return f"1. {text}"
    return text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(table: Table) -> str:
    rows = [[_cell(cell.text) for cell in row.cells] for row in table.rows]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def docx_to_markdown(data: bytes) -> str:
    """The document's text as Markdown, blocks in document order.

    :raises DomainError: for a file that is not a Word document, or unpacks too large.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > UNPACKED_MAX:
                raise DomainError(_l("The Word document is too large once unpacked."))
        document = docx.Document(io.BytesIO(data))
    except DomainError:
        raise
    except Exception:
        raise DomainError(_l("Not a readable Word (.docx) document.")) from None
    blocks = []
    for block in document.iter_inner_content():
        text = _table(block) if isinstance(block, Table) else _paragraph(block)
        if text:
            blocks.append(text)
    # List items of one list stay together; every other block is its own paragraph.
    out: list[str] = []
    for text in blocks:
        is_item = text.startswith(("- ", "1. "))
        joined = out and is_item and out[-1].split("\n")[-1].startswith(("- ", "1. "))
        if joined:
            out[-1] += "\n" + text
        else:
            out.append(text)
    return "\n\n".join(out)
