"""Issue 20's acceptance: a messy 2,000-row GB18030 export imports its distinct valid customers
exactly, rejects the bad rows with their lines and reasons, and changes no customer that
shares only an e-mail."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from crm.customers import imports
from crm.customers.import_models import ImportBatch
from crm.customers.models import Customer
from crm.extensions import db
from tests.customers.messy_export import build
from tests.factories import make_customer, make_user


def test_the_messy_export_imports_exactly_through_the_cli(app, tmp_path) -> None:
    messy = build()
    path = tmp_path / "旧系统导出.csv"
    path.write_bytes(messy.data)
    with app.app_context():
        boss = make_user(username="ops", roles=["supervisor"])
        before = {}
        for name, phone, email in messy.existing:
            customer = make_customer(
                actor=boss, name=name, phones=[phone], email=email, tier="key", company="原公司"
            )
            before[customer.id] = (name, "key", "原公司", email, [customer.phones[0].number])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["import-customers", str(path), "--commit"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert {k: report[k] for k in messy.expected} == messy.expected
    assert report["warnings"] > 0  # shared e-mails and numbers outside the known ranges
    with app.app_context():
        live = select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
        assert db.session.scalar(live) == messy.expected["new"] + len(messy.existing)
        for customer_id, values in before.items():
            customer = db.session.get(Customer, customer_id)
            now = (customer.name, customer.tier, customer.company, customer.email)
            assert (*now, [p.number for p in customer.phones]) == values
        batch = db.session.get(ImportBatch, report["batch"])
        report_rows = list(imports.report_rows(batch))
        rejected = {row.line: row.reason for row in report_rows if row.action == "reject"}
        assert rejected == messy.rejected_lines
        assert all(row.message for row in report_rows)
        hostile = db.session.scalar(select(Customer).where(Customer.name.like("<script>%")))
        assert hostile is not None  # stored as typed; escaped wherever it is shown
