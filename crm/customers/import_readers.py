"""Streaming readers for imported files (customers, exam results).

Rows come one at a time from the uploaded stream (Werkzeug spools a large upload to a temporary
file; a stored import is read from its bytes without a copy), so memory does not grow with the
file. Each reader stops at the first limit passed, with a sentence that names it: data rows,
columns, characters in a cell, a CSV line's length, and what an XLSX unpacks to, which is
checked on the zip's directory before openpyxl parses anything.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

#: the longest CSV line read at once; a longer one is refused rather than held whole
MAX_LINE_CHARS = 1024 * 1024
#: an XLSX part may unpack to at most this many times its packed size (spreadsheets: 5-20)
MAX_ZIP_RATIO = 100
#: parts smaller than this are not held to the ratio: short XML packs very well
RATIO_FLOOR_BYTES = 1024 * 1024
#: parts in an XLSX (a workbook has a dozen or so); a zip of millions would fill the memory
#: with its directory alone
MAX_ZIP_MEMBERS = 1000
#: bytes read at a time while checking the encoding
CHUNK_BYTES = 64 * 1024
#: exceptions of the parsers that mean "not a CSV or XLSX file we can read"
UNREADABLE = (
    OSError,
    ValueError,  # UnicodeDecodeError included
    KeyError,
    IndexError,
    TypeError,  # openpyxl's typed attributes given text they cannot hold
    SyntaxError,  # the XML parsers' errors
    csv.Error,
    zipfile.BadZipFile,
    InvalidFileException,
)


@dataclass(frozen=True)
class ReadLimits:
    #: data rows (blank rows and the header not counted)
    max_rows: int = 200_000
    #: characters in one cell (Excel's own limit)
    max_cell_chars: int = 32_767
    #: what an XLSX may unpack to, all parts together
    max_unzipped_bytes: int = 256 * 1024 * 1024
    #: columns in a row
    max_columns: int = 100

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReadLimits:
        return cls(
            max_rows=config["IMPORT_MAX_ROWS"],
            max_cell_chars=config["IMPORT_MAX_CELL_CHARS"],
            max_unzipped_bytes=config["IMPORT_MAX_UNZIPPED_BYTES"],
        )


def _refuse(message: Any) -> DomainError:
    return DomainError(message, field="file")


def _cell_too_long(line: int, limit: int) -> DomainError:
    return _refuse(_l("Line %(line)d has a cell longer than %(n)d characters.", line=line, n=limit))


def _too_many_columns(line: int, limits: ReadLimits) -> DomainError:
    return _refuse(
        _l("Line %(line)d has more than %(n)d columns.", line=line, n=limits.max_columns)
    )


def detect_encoding(stream: IO[bytes]) -> str:
    """The file's encoding, judged on the whole file: UTF-16 by its BOM, UTF-8 with a BOM
    ("utf-8-sig") or without ("utf-8") when every byte decodes as such, else GB18030, which
    covers GBK/GB2312 files saved by Chinese Excel. Reads a chunk at a time, then rewinds."""
    stream.seek(0)
    start = stream.read(4)
    stream.seek(0)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)
    return "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8"


def _delimiter(header_line: str) -> str:
    """The delimiter the header uses most (Excel writes "," or, in some locales, ";"); the
    quoting is always RFC 4180's, so a quoted delimiter or newline anywhere stays in its cell."""
    counts = {sep: header_line.count(sep) for sep in ",;\t"}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _lines(text: io.TextIOBase) -> Iterator[str]:
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise _refuse(
                _l("Line %(line)d is longer than %(n)d characters.", line=number, n=MAX_LINE_CHARS)
            )
        yield line


def csv_rows(stream: IO[bytes], limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record of a CSV file, decoded and parsed as it is read by
    the ``csv`` module over the whole stream."""
    text = io.TextIOWrapper(stream, encoding=detect_encoding(stream), newline="")
    try:
        delimiter = _delimiter(text.readline(MAX_LINE_CHARS))
        text.seek(0)
        reader = csv.reader(_lines(text), csv.excel, delimiter=delimiter)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                # The parser's own limit (131,072 characters) stops a quoted cell that runs on
                # over many lines before our cell check could see it.
                if "field limit" in str(error):
                    limit = min(limits.max_cell_chars, csv.field_size_limit())
                    raise _cell_too_long(reader.line_num, limit) from None
                raise
            yield start, [cell.strip() for cell in row]
    finally:
        # Detached, the wrapper leaves the caller's stream open when it is collected.
        if not stream.closed:
            text.detach()


def check_zip(stream: IO[bytes], limits: ReadLimits) -> None:
    """Refuse a zip bomb from the zip's directory, before anything is unpacked. Python's zipfile
    never unpacks a part beyond the size the directory declares, so the declared sizes bound
    what openpyxl can be made to read.

    :raises DomainError: when the parts unpack to more than the limit, or far more than their
        packed size.
    """
    stream.seek(0)
    # zipfile's own reader of the end record: the part count and the directory's size (which
    # ZipFile reads whole, whatever the count says), before ZipFile lists the parts.
    end = zipfile._EndRecData(stream)
    if (
        end is None
        or end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_MEMBERS
        or end[zipfile._ECD_SIZE] > MAX_ZIP_MEMBERS * 1024
    ):
        raise zipfile.BadZipFile
    stream.seek(0)
    with zipfile.ZipFile(stream) as archive:
        parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    if total > limits.max_unzipped_bytes:
        megabytes = limits.max_unzipped_bytes // (1024 * 1024)
        raise _refuse(
            _l(
                "The Excel file unpacks to more than %(n)d MB; save it again without unused "
                "sheets, or upload a CSV file.",
                n=megabytes,
            )
        )
    for part in parts:
        if part.file_size > RATIO_FLOOR_BYTES and part.file_size > MAX_ZIP_RATIO * max(
            part.compress_size, 1
        ):
            raise _refuse(
                _l(
                    "The Excel file unpacks to more than %(n)d times its size, which no "
                    "spreadsheet does; save it again in Excel, or upload a CSV file.",
                    n=MAX_ZIP_RATIO,
                )
            )
    stream.seek(0)


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores phone numbers typed as numbers as floats
    return str(value).strip()


def xlsx_rows(stream: IO[bytes], limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the first sheet, parsed as it is read (openpyxl's read-only
    mode), after the zip has passed ``check_zip``."""
    check_zip(stream, limits)
    workbook = load_workbook(stream, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # The declared dimension is not trusted: "A1:XFD1048576" would pad every row to 16,384
        # cells. Each row is then as wide as its last cell.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(values) > limits.max_columns:
                raise _too_many_columns(number, limits)
            yield number, [_xlsx_cell(value) for value in values]
    finally:
        workbook.close()


def bounded_rows(
    numbered: Iterator[tuple[int, list[str]]], limits: ReadLimits
) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of the rows that are not blank, the header first, checked against the
    limits as they come.

    :raises DomainError: at the first row over a limit, naming the limit.
    """
    data_rows = -1  # the first row is the header
    for line, row in numbered:
        if len(row) > limits.max_columns:
            raise _too_many_columns(line, limits)
        if any(len(cell) > limits.max_cell_chars for cell in row):
            raise _cell_too_long(line, limits.max_cell_chars)
        if not any(row):
            continue
        data_rows += 1
        if data_rows > limits.max_rows:
            raise _refuse(_l("At most %(n)d rows can be imported at once.", n=limits.max_rows))
        yield line, row


def read_rows(kind: str, stream: IO[bytes], limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of the header, then of the data rows, of a "csv" or "xlsx" stream.

    :raises DomainError: for a file that cannot be read, or at the first limit passed.
    """
    reader = xlsx_rows if kind == "xlsx" else csv_rows
    try:
        # Closed here, not whenever they are collected: each reader restores the stream.
        with (
            closing(reader(stream, limits)) as numbered,
            closing(bounded_rows(numbered, limits)) as rows,
        ):
            yield from rows
    except UNREADABLE:
        raise _refuse(_l("The file could not be read as CSV or Excel.")) from None
