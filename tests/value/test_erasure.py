"""Erasure reaches only the erased person: other customers sharing a number or a short name keep
their data, a merge chain is one person, a second erasure of a shared audit entry works, and the
audit log stays append-only for everything but the redaction an erasure makes."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select, text

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction, record
from crm.cases.services import open_case
from crm.customers.merge import merge_customers
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.value.pipl import erase_customer, export_customer_data
from tests.factories import make_customer, make_interaction, make_user
from tests.value.test_pipl import _every_text_value

LANDLINE = "13912345678"


def _phones(customer):
    db.session.refresh(customer)
    return [phone.number for phone in customer.phones]


def test_a_shared_number_stays_with_the_other_customer(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    a = make_customer(actor=boss, name="张三丰", phones=[LANDLINE])
    b = make_customer(actor=boss, name="李四光", phones=[LANDLINE], email="b@example.cn")
    case = open_case(
        actor=boss, customer=b, subject="报修", category="complaint", now=utcnow(), assignee=boss
    )
    case.requester_phone = "+86" + LANDLINE
    db.session.commit()
    before = (b.name, _phones(b), b.email, b.search_text)

    erase_customer(actor=boss, customer=a)
    db.session.commit()
    db.session.expire_all()

    assert (b.name, _phones(b), b.email, b.search_text) == before
    assert case.requester_phone == "+86" + LANDLINE
    assert _phones(a) == []


def test_one_audit_entry_naming_two_customers_survives_both_erasures(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    a = make_customer(actor=boss, name="欧阳一号", phones=["13900001111"])
    b = make_customer(actor=boss, name="司马二号", phones=["13900002222"])
    record(
        action=AuditAction.CUSTOMER_ERASED,
        actor=boss,
        object_type="note",
        object_id=1,
        details={"text": "欧阳一号 和 司马二号 同来"},
    )
    db.session.commit()

    erase_customer(actor=boss, customer=a)
    db.session.commit()
    erase_customer(actor=boss, customer=b)
    db.session.commit()

    texts = [
        json.dumps(d, ensure_ascii=False) for d in db.session.scalars(select(AuditEntry.details))
    ]
    assert not any("欧阳一号" in t or "司马二号" in t for t in texts)


def test_a_redacted_audit_entry_refuses_any_further_update(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    a = make_customer(actor=boss, name="欧阳三号", phones=["13900003333"])
    entry = record(
        action=AuditAction.CUSTOMER_ERASED,
        actor=boss,
        object_type="note",
        object_id=1,
        details={"text": "欧阳三号"},
    )
    db.session.commit()
    entry_id = entry.id
    erase_customer(actor=boss, customer=a)
    db.session.commit()
    for statement in (
        "UPDATE audit_entries SET details = '{\"x\": 1}' WHERE id = :id",
        "UPDATE audit_entries SET object_type = 'user' WHERE id = :id",
        "UPDATE audit_entries SET address = '1.2.3.4' WHERE id = :id",
    ):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement), {"id": entry_id})
        db.session.rollback()
    for statement in (
        "UPDATE audit_redactions SET entry_id = entry_id",
        "DELETE FROM audit_redactions",
    ):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_a_merged_away_record_is_erased_and_exported_with_the_person(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    old = make_customer(actor=boss, name="王小明", phones=["13911112222"], notes="王小明 老客户")
    kept = make_customer(actor=boss, name="王晓明", phones=["13933334444"])
    make_interaction(customer=old, actor=boss, summary="王小明 来电")
    db.session.commit()
    merge_customers(actor=boss, source=old, target=kept)
    db.session.commit()

    archive = zipfile.ZipFile(io.BytesIO(export_customer_data(actor=boss, customer=kept)))
    exported = archive.read(archive.namelist()[0]).decode()
    assert "王小明" in exported
    assert str(old.id) in [str(row["id"]) for row in json.loads(exported)["records"]["customers"]]

    erase_customer(actor=boss, customer=kept)
    db.session.commit()
    traces = [
        (table, column)
        for table, column, value in _every_text_value()
        if any(n in value for n in ("王小明", "王晓明", "13911112222", "13933334444"))
    ]
    assert traces == []


def _snapshot():
    return set(_every_text_value())


def test_erasing_li_leaves_unrelated_tables_and_words_alone(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    li = make_customer(actor=boss, name="Li", phones=["13900005555"])
    other = make_customer(actor=boss, name="Olivia Lin", notes="Likes Li's limited offer")
    make_interaction(customer=li, actor=boss, summary="Li asked about delivery", details="call Li")
    db.session.commit()
    before = _snapshot()

    erase_customer(actor=boss, customer=li)
    db.session.commit()
    after = _snapshot()
    changed = before ^ after

    allowed = {
        "customers",
        "customer_phones",
        "interactions",
        "audit_entries",
        "audit_redactions",
        "erasures",
    }
    assert {table for table, _column, _value in changed} <= allowed | {
        t for t, _c, _v in changed if t.startswith("customer_search")
    }
    # Within them only free text changed: no structured value went (new audit rows only add).
    structured = {("interactions", c) for c in ("channel", "category", "direction")}
    structured |= {("audit_entries", c) for c in ("action", "object_type", "object_id")}
    assert not {(t, c) for t, c, _v in before - after} & structured
    db.session.expire_all()
    assert other.name == "Olivia Lin"
    assert other.notes == "Likes [已删除]'s limited offer"
    summaries = db.session.scalars(select(Interaction.summary)).all()
    assert summaries and not any("Li asked" in summary for summary in summaries)
