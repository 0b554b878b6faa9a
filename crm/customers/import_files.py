"""Reading uploaded customer files: CSV in the encodings Chinese Excel writes, and XLSX."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

MAX_ROWS = 200_000
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
    header: list[str]
    rows: list[list[str]]


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else GB18030, which covers GBK/GB2312 files
    saved by Chinese Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores phone numbers typed as numbers as floats
    return str(value).strip()


def read_table(filename: str, data: bytes) -> Table:
    """The header and rows of an uploaded CSV or XLSX file.

    :raises DomainError: for another format, an unreadable or empty file, or too many rows.
    """
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            raw = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        elif name.endswith((".csv", ".txt")):
            text = decode_text(data)
            try:
                dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            raw = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
        else:
            raise DomainError(_l("Upload a .csv or .xlsx file."), field="file")
    except (OSError, ValueError, KeyError, csv.Error, zipfile.BadZipFile, InvalidFileException):
        raise DomainError(_l("The file could not be read as CSV or Excel."), field="file") from None
    raw = [row for row in raw if any(row)]
    if len(raw) < 2:
        raise DomainError(
            _l("The file needs a header row and at least one customer."), field="file"
        )
    if len(raw) - 1 > MAX_ROWS:
        raise DomainError(
            _l("At most %(n)d rows can be imported at once.", n=MAX_ROWS), field="file"
        )
    width = len(raw[0])
    return Table(header=raw[0], rows=[(row + [""] * width)[:width] for row in raw[1:]])


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
