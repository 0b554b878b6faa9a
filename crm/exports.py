"""Spreadsheet exports (CSV for Excel, and XLSX) that cannot carry a formula into Excel.

A cell that starts with = + - @, a tab or a carriage return is run by Excel as a formula
(CSV/formula injection); such text gets a leading apostrophe, which Excel shows as plain text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | Decimal | date | datetime | None


def neutralise(value: Cell) -> Cell:
    """The value, made inert if it is text Excel would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _as_download(response: Response, filename: str) -> Response:
    """An attachment named ``filename`` that no cache keeps: exports are personal data."""
    # RFC 6266: an ASCII fallback plus the UTF-8 name, so Chinese file names survive.
    fallback = filename.encode("ascii", "ignore").decode() or "export"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """A streamed CSV in UTF-8 with a byte-order mark, which Excel needs to read Chinese."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow([neutralise(cell) for cell in header])
        for row in rows:
            writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    # The rows are read from the database while streaming, inside the request's context.
    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return _as_download(response, filename)


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    return xlsx_workbook_response(filename, [("Sheet", header, rows)])


def xlsx_workbook_response(
    filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]]
) -> Response:
    """A workbook of one sheet per (title, header, rows); every cell guarded like the CSV."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        # Excel limits sheet titles to 31 characters and forbids a few of them.
        sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", str(title))[:31])
        sheet.append([neutralise(cell) for cell in header])
        for row in rows:
            sheet.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _as_download(response, filename)


def _xlsx_cell(value: Cell) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; callers pass local times
    return neutralise(value)
