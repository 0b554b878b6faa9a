"""Phones: every possible Chinese number is accepted, unknown ranges warned. CSV: quoting and
encoding judged on the whole file."""

from __future__ import annotations

import io

import phonenumbers
import pytest

from crm.customers import import_files
from crm.customers.import_readers import detect_encoding
from crm.customers.phones import display_phone, doubtful_phones, normalise_phone
from crm.errors import DomainError


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("14012345678", "+8614012345678"),  # possible, not (yet) in libphonenumber's ranges
        ("19212345678", "+8619212345678"),
        ("0571-8888888", "+865718888888"),
        ("010 6552 9988", "+861065529988"),
    ],
)
def test_possible_chinese_numbers_are_accepted(raw, e164) -> None:
    assert normalise_phone(raw) == e164


def test_chinese_mobiles_are_shown_as_libphonenumber_writes_them() -> None:
    """display_phone writes Chinese mobiles itself: the same text as libphonenumber's national
    format, for numbers of every three-digit prefix."""
    for prefix in range(130, 200):
        number = f"+86{prefix}{prefix * 7919 % 10**8:08d}"
        national = phonenumbers.format_number(
            phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        assert display_phone(number) == national


def test_numbers_outside_known_ranges_are_flagged() -> None:
    assert doubtful_phones(["+8614012345678", "+8613800138000"]) == ["+8614012345678"]


@pytest.mark.parametrize("raw", ["12345", "12012345678", "1380013800", "abc", "021 1234"])
def test_impossible_numbers_are_refused(raw) -> None:
    with pytest.raises(DomainError):
        normalise_phone(raw)


def _big_csv() -> str:
    lines = ["姓名,手机,备注"]
    for i in range(2000):
        note = f'"第{i}行, 有逗号\n和换行"' if i % 7 == 0 else f"备注{i}"
        lines.append(f"客户{i},138{i:08d},{note}")
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("gb18030", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")],
)
def test_quoting_holds_across_the_whole_file_in_each_encoding(ctx, encoding, reported) -> None:
    data = _big_csv().encode(encoding)
    assert detect_encoding(io.BytesIO(data)) == reported
    table = import_files.read_table("a.csv", data)
    assert table.encoding == reported
    rows = list(table.iter_numbered())
    assert len(rows) == 2000
    assert all(len(row) == 3 and row[1].startswith("138") for _line, row in rows)
    line, row = rows[1995]
    assert row[0] == "客户1995" and line > 2000  # the line where the row starts, past the newlines
    assert rows[1939][1][2] == "第1939行, 有逗号\n和换行"


def test_utf8_that_breaks_only_at_the_end_is_gb18030() -> None:
    data = ("姓名\n" + "张三\n" * 5000).encode("utf-8") + "李四\n".encode("gb18030")
    assert detect_encoding(io.BytesIO(data)) == "gb18030"
