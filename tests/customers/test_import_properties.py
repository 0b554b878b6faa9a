"""Properties of the import, on small generated files: importing twice equals importing once;
import then undo is the identity on the archive; a row never changes a customer that matches it
only by e-mail."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.customers import import_commit, import_undo, imports
from crm.customers.models import Customer
from crm.extensions import db
from tests.factories import make_customer, make_user

PHONES = ["13800138000", "13800138001", "13800138002", "13900139000", "14012345678"]
NAMES = ["张三", "张三先生", "李四", "王五"]
EMAILS = ["", "family@example.cn", "li@example.cn"]
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

rows = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.lists(st.sampled_from(PHONES), min_size=1, max_size=2, unique=True),
        st.sampled_from(EMAILS),
        st.sampled_from(["", "甲公司", "乙公司"]),
        st.sampled_from(["", "VIP", "普通", "关键客户"]),
    ),
    min_size=1,
    max_size=5,
)
existing = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(PHONES), st.sampled_from(EMAILS)),
    max_size=3,
    unique_by=lambda row: row[1],
)


def csv_file(data: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机", "邮箱", "公司", "等级"])
    for name, phones, email, company, tier in data:
        writer.writerow([name, ";".join(phones), email, company, tier])
    return out.getvalue().encode()


def archive() -> dict[int, tuple[Any, ...]]:
    db.session.expire_all()
    return {
        c.id: (c.name, c.company, c.email, c.tier, sorted(p.number for p in c.phones))
        for c in db.session.scalars(select(Customer).where(Customer.deleted_at.is_(None)))
    }


@pytest.fixture
def boss(ctx):
    return make_user(username="prop.boss", roles=["supervisor"])  # committed once


def setup(boss, on_file: list[tuple[str, str, str]]):
    """Customers on file for one example; flushed only, rolled back after it."""
    assert archive() == {}  # the last example left nothing behind
    for name, phone, email in on_file:
        make_customer(actor=boss, name=name, phones=[phone], email=email or None, tier="key")
    return boss


def run(actor, data: bytes):
    batch, _ = imports.start_import(actor=actor, filename="p.csv", data=data)
    imports.dry_run(actor=actor, batch=batch, mapping=batch.mapping, mode="skip_invalid")
    import_commit.commit_import(actor=actor, batch=batch)
    return batch


@SETTINGS
@given(on_file=existing, data=rows)
def test_importing_twice_equals_importing_once(boss, on_file, data) -> None:
    try:
        setup(boss, on_file)
        run(boss, csv_file(data))
        once = archive()
        run(boss, csv_file(data))
        assert archive() == once
    finally:
        db.session.rollback()


@SETTINGS
@given(on_file=existing, data=rows)
def test_import_then_undo_is_the_identity(boss, on_file, data) -> None:
    try:
        setup(boss, on_file)
        before = archive()
        batch = run(boss, csv_file(data))
        result = import_undo.undo_import(actor=boss, batch=batch)
        assert result["refused"] == []
        assert archive() == before
    finally:
        db.session.rollback()


@SETTINGS
@given(on_file=existing, data=rows)
def test_a_row_never_changes_a_customer_matching_it_only_by_email(boss, on_file, data) -> None:
    try:
        setup(boss, on_file)
        before = archive()
        run(boss, csv_file(data))
        after = archive()
        row_phones = {f"+86{p}" for row in data for p in row[1]}
        for customer_id, values in before.items():
            if not set(values[4]) & row_phones:
                assert after[customer_id] == values
    finally:
        db.session.rollback()
