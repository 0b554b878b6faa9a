"""Exact undo: every field as before the batch, even when two rows changed one customer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.customers import import_commit, import_undo, imports
from crm.customers.models import Customer
from crm.customers.services import ProfileInput, update_customer
from crm.extensions import db
from tests.factories import make_customer, make_user


@pytest.fixture
def supervisor(ctx):
    return make_user(username="boss", roles=["supervisor"])


def commit(actor, text: str):
    batch, _ = imports.start_import(actor=actor, filename="a.csv", data=text.encode())
    imports.dry_run(actor=actor, batch=batch, mapping=batch.mapping, mode="skip_invalid")
    import_commit.commit_import(actor=actor, batch=batch)
    db.session.commit()
    return batch


def state(customer_id: int) -> tuple:
    customer = db.session.get(Customer, customer_id)
    db.session.refresh(customer)
    return (
        customer.name,
        customer.company,
        customer.region,
        customer.tier,
        customer.email,
        sorted(p.number for p in customer.phones),
    )


def test_two_rows_updating_one_customer_then_undo_restores_every_field(supervisor) -> None:
    held = make_customer(
        actor=supervisor,
        name="张三",
        phones=["13800138000", "13900139000"],
        company="原公司",
        region="华东",
    )
    db.session.commit()
    before = state(held.id)
    batch = commit(
        supervisor,
        "姓名,手机,公司,地区,等级\n"
        "张三,13800138000,第一公司,华北,VIP\n"
        "张三,13900139000;13700137000,第二公司,,关键客户\n",
    )
    assert state(held.id)[1:4] == ("第二公司", "华北", "key")
    result = import_undo.undo_import(actor=supervisor, batch=batch)
    db.session.commit()
    assert result["restored"] == 1 and result["refused"] == []
    assert state(held.id) == before
    undone = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.IMPORT_UNDONE)
    ).all()
    assert len(undone) == 1


def test_undo_refuses_customers_a_person_changed_since_and_lists_them(supervisor) -> None:
    held = make_customer(actor=supervisor, name="张三", phones=["13800138000"], company="原")
    db.session.commit()
    batch = commit(supervisor, "姓名,手机,公司\n张三,13800138000,新\n李四,13800138001,乙\n")
    created = db.session.scalar(select(Customer).where(Customer.name == "李四"))
    update_customer(
        actor=supervisor,
        customer=created,
        expected_version=created.version,
        data=ProfileInput(name="李四", phones=["13800138001"], company="人改的"),
    )
    db.session.commit()
    result = import_undo.undo_import(actor=supervisor, batch=batch)
    db.session.commit()
    assert result["refused"] == [created.id]
    assert state(held.id)[1] == "原"
    assert db.session.get(Customer, created.id).deleted_at is None
