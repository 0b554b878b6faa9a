"""Reading uploaded customer files: CSV in the encodings Chinese Excel writes, and XLSX.

The file is read a row at a time (``import_readers``); a ``Table`` keeps only the header, a
preview and the count, and reads the rows again from the file when they are planned.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import IO

from flask import current_app

from crm.customers.import_readers import ReadLimits, detect_encoding, read_rows
from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

#: data rows shown under the column mapping
PREVIEW_ROWS = 5
#: column titles (lower-cased) that name each customer field, in Chinese and English
HEADER_GUESSES = {
    "name": {"name", "姓名", "客户姓名", "联系人", "客户名称", "客户"},
    "phones": {"phone", "phones", "mobile", "tel", "电话", "手机", "手机号", "联系电话", "座机"},
    "email": {"email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件"},
    "company": {"company", "公司", "单位", "公司名称", "企业"},
    "region": {"region", "地区", "区域", "省份", "城市"},
    "industry": {"industry", "行业"},
    "tags": {"tags", "tag", "标签"},
    "notes": {"notes", "note", "备注"},
    "tier": {"tier", "级别", "客户级别", "等级"},
}


@dataclass
class Table:
    """A checked file: its header, its first rows and how many there are; the rows themselves
    are read from the file again by ``iter_rows``."""

    header: list[str]
    #: the first data rows, as wide as the header
    preview: list[list[str]]
    #: data rows that are not blank
    row_count: int
    kind: str
    source: IO[bytes]
    limits: ReadLimits
    #: the CSV's encoding as detected on the whole file (None for XLSX)
    encoding: str | None = None

    def iter_rows(self) -> Iterator[list[str]]:
        """The data rows that are not blank, each as wide as the header, one at a time."""
        for _line, row in self.iter_numbered():
            yield row

    def iter_numbered(self) -> Iterator[tuple[int, list[str]]]:
        """(line in the file where the row starts, cells) of each data row that is not blank."""
        with closing(read_rows(self.kind, self.source, self.limits)) as rows:
            next(rows)  # the header
            for line, row in rows:
                yield line, self.fit(row)

    def fit(self, row: list[str]) -> list[str]:
        width = len(self.header)
        return (row + [""] * width)[:width]


def _kind(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise DomainError(_l("Upload a .csv or .xlsx file."), field="file")


def read_table(filename: str, data: bytes | IO[bytes], limits: ReadLimits | None = None) -> Table:
    """Check an uploaded CSV or XLSX file from end to end, keeping its header and first rows.

    :param data: the file's bytes, or a seekable binary stream (an upload's spooled file).
    :param limits: the app's ``IMPORT_*`` settings unless given.
    :raises DomainError: for another format, an unreadable or empty file, or a file over a
        limit (rows, columns, cell length, unpacked size), naming the limit.
    """
    kind = _kind(filename)
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    limits = limits or ReadLimits.from_config(current_app.config)
    preview: list[list[str]] = []
    count = 0
    encoding = detect_encoding(source) if kind == "csv" else None
    with closing(read_rows(kind, source, limits)) as rows:
        table = Table(next(rows, (0, []))[1], preview, 0, kind, source, limits, encoding)
        for _line, row in rows:
            count += 1
            if len(preview) < PREVIEW_ROWS:
                preview.append(table.fit(row))
    if not count:
        raise DomainError(
            _l("The file needs a header row and at least one customer."), field="file"
        )
    table.row_count = count
    return table


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Column index (as text) -> field, from header names in Chinese or English."""
    mapping: dict[str, str] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for target, names in HEADER_GUESSES.items():
            if key in names and (target == "phones" or target not in mapping.values()):
                mapping[str(index)] = target
                break
    return mapping
