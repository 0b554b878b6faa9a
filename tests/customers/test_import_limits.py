"""Bounded import files (issue 19, finding 5): the readers stream the file and stop at the row,
column, cell and unpacked-size limits with a sentence that names the limit, instead of filling
the memory or running into a 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from crm.customers import import_files
from crm.customers.import_readers import ReadLimits
from crm.errors import DomainError
from tests.conftest import csrf_token

MB = 1024 * 1024


def refusal(filename: str, data: bytes | io.BytesIO, limits: ReadLimits | None = None) -> str:
    with pytest.raises(DomainError) as refused:
        import_files.read_table(filename, data, limits)
    assert refused.value.field == "file"
    return str(refused.value.message)


def xlsx_with(member: str, write) -> bytes:
    """A real workbook whose ``member`` is replaced by what ``write(file)`` writes."""
    workbook = Workbook()
    workbook.active.append(["姓名", "手机"])
    workbook.active.append(["李伟", "13800138000"])
    original = io.BytesIO()
    workbook.save(original)
    crafted = io.BytesIO()
    # Level 1 keeps the test quick; the result still unpacks more than 200-fold.
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info.filename, source.read(info))
        with target.open(member, "w", force_zip64=True) as out:
            write(out)
    return crafted.getvalue()


def zeros_in_shared_strings(megabytes: int):
    def write(out) -> None:
        out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        out.write(b"<si><t>")
        block = b"0" * MB
        for _ in range(megabytes):
            out.write(block)
        out.write(b"</t></si></sst>")

    return write


# -- XLSX ------------------------------------------------------------------------------------


def test_an_xlsx_bomb_is_refused_with_a_reason_before_it_is_unpacked(client, login_as) -> None:
    bomb = xlsx_with("xl/sharedStrings.xml", zeros_in_shared_strings(300))
    assert len(bomb) < 2 * MB
    login_as("supervisor")
    token = csrf_token(client, "/customers/import/")
    response = client.post(
        "/customers/import/",
        data={"file": (io.BytesIO(bomb), "客户.xlsx"), "csrf_token": token},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "解压后超过 256 MB" in response.get_data(as_text=True)


def test_an_xlsx_that_unpacks_far_more_than_any_spreadsheet_is_refused(ctx) -> None:
    bomb = xlsx_with("xl/sharedStrings.xml", zeros_in_shared_strings(20))
    assert "100" in refusal("bomb.xlsx", bomb)


def test_a_zip_of_thousands_of_parts_is_refused_before_its_directory_is_listed(ctx) -> None:
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as archive:
        for number in range(2000):
            archive.writestr(f"xl/media/{number}.bin", b"")
    assert "无法按 CSV 或 Excel 格式读取" in refusal("parts.xlsx", crafted.getvalue())


def test_an_xlsx_row_far_to_the_right_is_refused_naming_the_column_limit(ctx) -> None:
    workbook = Workbook()
    workbook.active.append(["姓名", "手机"])
    workbook.active.cell(row=2, column=16_000, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "100" in refusal("wide.xlsx", buffer.getvalue())


def test_an_xlsx_cell_over_the_cell_limit_is_refused_naming_line_and_limit(ctx) -> None:
    # openpyxl cuts what it writes at Excel's 32,767 characters, so a lower limit is set here.
    workbook = Workbook()
    workbook.active.append(["姓名", "备注"])
    workbook.active.append(["李伟", "长" * 1001])
    buffer = io.BytesIO()
    workbook.save(buffer)
    message = refusal("long.xlsx", buffer.getvalue(), ReadLimits(max_cell_chars=1000))
    assert "第 2 行" in message and "1000" in message


# -- CSV -------------------------------------------------------------------------------------


def test_a_csv_over_the_row_limit_is_refused_at_the_limit_without_parsing_the_rest(ctx) -> None:
    lines = ["姓名,手机"] + [f"客户{n},138{n:08d}" for n in range(200_001)]
    # Past the limit comes a quote that never closes: parsed, it would make the file unreadable.
    text = "\n".join(lines) + '\n"' + "x" * 200_000
    message = refusal("big.csv", text.encode("utf-8"))
    assert "200000" in message


def test_a_csv_cell_over_the_cell_limit_is_refused_naming_line_and_limit(ctx) -> None:
    text = "姓名,备注\n李伟,短\n王芳," + "长" * 32_768 + "\n"
    message = refusal("long.csv", text.encode("gb18030"))
    assert "第 3 行" in message and "32767" in message


def test_a_csv_quoted_cell_past_the_parsers_own_limit_is_refused_naming_the_limit(ctx) -> None:
    text = '姓名,备注\n李伟,"' + "长\n" * 100_000 + '"\n'
    assert "32767" in refusal("quoted.csv", text.encode("utf-8"))


def test_a_csv_line_without_an_end_is_refused_without_being_held_whole(ctx) -> None:
    text = "姓名,备注\n" + "x" * (3 * MB)
    assert "1048576" in refusal("endless.csv", text.encode("utf-8"))


def test_an_upload_stream_is_read_and_left_open_for_the_caller(ctx) -> None:
    upload = io.BytesIO("姓名,手机\n李伟,13800138000\n".encode("gb18030"))
    table = import_files.read_table("a.csv", upload)
    assert (table.header, table.row_count) == (["姓名", "手机"], 1)
    assert list(table.iter_rows()) == [["李伟", "13800138000"]]
    assert not upload.closed
