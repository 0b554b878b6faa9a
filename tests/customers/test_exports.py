"""Exports open in Excel, in Chinese, and cannot smuggle a formula into it."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.exports import neutralise
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer

HOSTILE = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
#: names keep no leading white space, so customers carry the printable triggers
HOSTILE_NAMES = HOSTILE[:4]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_triggers_are_neutralised(value) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["张三", "a=b", "13800138000", None, 42, -5])
def test_other_values_pass_unchanged(value) -> None:
    assert neutralise(value) == value


@pytest.fixture
def hostile_customers(app, login_as):
    supervisor = login_as("supervisor")
    with app.app_context():
        for number, name in enumerate(HOSTILE_NAMES):
            make_customer(actor=supervisor, name=name, phones=[f"1380013800{number}"])
        make_customer(actor=supervisor, name="张三", company="武当=科技", phones=["13900139000"])
        db.session.commit()


def export(client, fmt: str, params: str = ""):
    return client.post(
        "/customers/export",
        data={"format": fmt, "params": params, "csrf_token": csrf_token(client, "/customers/")},
    )


def test_the_csv_has_a_bom_for_excel_and_no_live_formula(app, client, hostile_customers) -> None:
    response = export(client, "csv")
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted(["'" + value for value in HOSTILE_NAMES] + ["张三"])
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.CUSTOMERS_EXPORTED)
        )
        assert entry.details["rows"] == len(HOSTILE_NAMES) + 1


def test_the_xlsx_export_stores_text_not_formulas(client, hostile_customers) -> None:
    response = export(client, "xlsx", "q=张三")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 2  # the header and 张三: the filter applies
    assert rows[1][0] == "张三"
    assert rows[1][1] == "武当=科技"
    everything = load_workbook(io.BytesIO(export(client, "xlsx").get_data())).active
    for row in everything.iter_rows(min_row=2):
        assert row[0].data_type != "f", row[0].value


def test_agents_cannot_export_and_unknown_formats_are_refused(client, login_as) -> None:
    login_as("agent")
    assert export(client, "csv").status_code == 403


def test_an_unknown_format_is_a_400(client, login_as) -> None:
    login_as("supervisor")
    assert export(client, "pdf").status_code == 400
