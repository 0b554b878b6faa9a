"""Personal-information rights: marketing lists honour consent, a customer's data in one file,
and an erasure that leaves nothing of the person anywhere in the database."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from crm.cases.services import open_case
from crm.channels.thread import add_note
from crm.customers.import_models import ImportBatch, ImportRow
from crm.customers.records import add_feedback, add_purchase
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.notifications.services import notify
from crm.reports.queries import kpis
from crm.reports.scope import Period
from crm.value.consent import marketing_rows, record_consent
from crm.value.models import CareDate
from crm.value.pipl import erase_customer, export_customer_data
from tests.factories import make_customer, make_interaction, make_user

CHANNELS = ("phone", "sms", "email")
serial = itertools.count()


def _consent(actor, customer, channel, granted, days_ago=0):
    return record_consent(
        actor=actor,
        customer=customer,
        channel=channel,
        granted=granted,
        source="call",
        given_on=date(2026, 6, 1) - timedelta(days=days_ago),
    )


# Each generated customer: a list of (channel, granted, days before 2026-06-01) events.
events = st.lists(
    st.tuples(st.sampled_from(CHANNELS), st.booleans(), st.integers(0, 400)), max_size=6
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(st.tuples(events, st.booleans(), st.booleans()), min_size=1, max_size=8))
def test_a_customer_without_sms_consent_never_appears_in_an_sms_export(app, people) -> None:
    with app.app_context():
        agent = make_user(roles=["supervisor"])
        expected: dict[str, set[int]] = {channel: set() for channel in CHANNELS}
        for history, has_email, deleted in people:
            customer = make_customer(
                actor=agent,
                email=f"p{next(serial)}@x.cn" if has_email else None,
            )
            newest: dict[str, tuple[int, int, bool]] = {}
            for channel, granted, days_ago in history:
                event = _consent(agent, customer, channel, granted, days_ago)
                key = (-days_ago, event.id)
                if channel not in newest or key > newest[channel][:2]:
                    newest[channel] = (*key, granted)
            if deleted:
                customer.deleted_at = utcnow()
            for channel, (_day, _id, granted) in newest.items():
                if granted and not deleted and (channel != "email" or has_email):
                    expected[channel].add(customer.id)
        db.session.flush()
        for channel in CHANNELS:
            listed = {row[0] for row in marketing_rows(channel)}
            assert listed == expected[channel], channel
        db.session.rollback()


def test_consent_history_is_kept_and_the_newest_decides(ctx) -> None:
    agent = make_user(roles=["agent"])
    customer = make_customer(actor=agent)
    _consent(agent, customer, "sms", True, days_ago=30)
    _consent(agent, customer, "sms", False, days_ago=1)
    assert [row[0] for row in marketing_rows("sms")] == []
    _consent(agent, customer, "sms", True, days_ago=0)
    assert [row[0] for row in marketing_rows("sms")] == [customer.id]
    with pytest.raises(DomainError):
        record_consent(
            actor=agent,
            customer=customer,
            channel="fax",
            granted=True,
            source="call",
            given_on=date(2026, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        record_consent(
            actor=make_user(roles=["trainer"]),
            customer=customer,
            channel="sms",
            granted=True,
            source="call",
            given_on=date(2026, 1, 1),
        )


NAME = "欧阳娜娜琳"
EMAIL = "Nana.Ouyang@Example.cn"
MOBILE = "13912345678"


def _person_everywhere(actor):
    """A customer whose name, number and address are written into many tables."""
    customer = make_customer(
        actor=actor, name=NAME, phones=[MOBILE], email=EMAIL, notes=f"{NAME}的备注"
    )
    other = make_customer(actor=actor, name="李四", notes=f"{NAME}介绍来的, 电话 139-1234-5678")
    make_interaction(
        customer=customer,
        actor=actor,
        summary=f"{NAME} 来电",
        details=f"回拨 139 1234 5678, {EMAIL}",
    )
    add_purchase(
        actor=actor,
        customer=customer,
        product="空气净化器",
        amount="3999.00",
        purchased_at=utcnow() - timedelta(days=20),
    )
    add_feedback(
        actor=actor,
        customer=customer,
        content=f"我是{NAME}, 很满意",
        received_at=utcnow(),
        rating=5,
    )
    case = open_case(
        actor=actor,
        customer=customer,
        subject=f"{NAME}的投诉",
        category="complaint",
        now=utcnow(),
        description=f"联系 +86{MOBILE}",
        assignee=actor,
    )
    add_note(actor=actor, case=case, body=f"已联系{NAME}", now=utcnow())
    batch = ImportBatch(filename="客户.csv", created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    db.session.add(
        ImportRow(
            batch_id=batch.id, line=2, action="create", name=NAME, message=f"{MOBILE} {EMAIL}"
        )
    )
    notify(
        [
            {
                "user_id": actor.id,
                "kind": "callback.due",
                "subject_type": "callback_task",
                "subject_id": 1,
                "payload": {"customer": NAME, "date": "2026-01-01", "agent": "x"},
            }
        ]
    )
    db.session.add(CareDate(customer_id=customer.id, kind="birthday", on_date=date(1990, 5, 1)))
    _consent(actor, customer, "sms", True)
    db.session.commit()
    return customer, other


def _every_text_value():
    """Every value of every column of every table, as text (bytes decoded leniently)."""
    engine = db.session.get_bind()
    for table in inspect(engine).get_table_names():
        columns = [c["name"] for c in inspect(engine).get_columns(table)]
        if not columns:
            continue
        quoted = ", ".join(f'"{c}"' for c in columns)
        for row in db.session.execute(text(f'SELECT {quoted} FROM "{table}"')):  # noqa: S608
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", "ignore")
                if value is not None:
                    yield table, column, str(value)


def _traces(needles):
    found = []
    for table, column, value in _every_text_value():
        for needle in needles:
            if needle.lower() in value.lower() or needle.lower() in json.dumps(value).lower():
                found.append((table, column, needle))
    return found


def test_an_erasure_leaves_no_name_number_or_address_and_the_reports_keep_their_counts(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    customer, other = _person_everywhere(boss)
    needles = [NAME, EMAIL, MOBILE, "+86" + MOBILE, "139 1234 5678", "139-1234-5678", MOBILE[::-1]]
    assert _traces(needles), "the fixture writes the person into the database"
    today = date.today()
    period = Period(today.replace(day=1), today + timedelta(days=1))
    before = {key: (f.value, getattr(f, "count", None)) for key, f in kpis(period).items()}

    with pytest.raises(PermissionDenied):
        erase_customer(actor=make_user(roles=["agent"]), customer=customer)
    erase_customer(actor=boss, customer=customer)
    db.session.commit()

    assert _traces(needles) == []
    after = {key: (f.value, getattr(f, "count", None)) for key, f in kpis(period).items()}
    assert after == before
    # The other customer keeps their name; the purchase and the case stay, without the person.
    db.session.expire_all()
    assert other.name == "李四"
    assert customer.name.startswith("匿名客户")
    assert db.session.scalar(select(CareDate.id)) is None
    with pytest.raises(DomainError):
        erase_customer(actor=boss, customer=customer)
    # The audit log is still append-only for anything an erasure did not redact.
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(
            text(
                "UPDATE audit_entries SET details = '{}' WHERE action = 'auth.login'"
                " OR id = (SELECT max(id) FROM audit_entries)"
            )
        )
    db.session.rollback()


def test_a_customers_data_exports_as_one_json_file_in_a_zip(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    customer, _other = _person_everywhere(boss)
    with pytest.raises(PermissionDenied):
        export_customer_data(actor=make_user(roles=["agent"]), customer=customer)
    archive = zipfile.ZipFile(io.BytesIO(export_customer_data(actor=boss, customer=customer)))
    assert archive.namelist() == [f"customer-{customer.id}.json"]
    document = json.loads(archive.read(archive.namelist()[0]))
    records = document["records"]
    assert records["customers"][0]["name"] == NAME
    for table in (
        "customer_phones",
        "purchases",
        "feedback",
        "interactions",
        "cases",
        "case_messages",
        "consent_events",
        "care_dates",
    ):
        assert records.get(table), table
    assert Decimal(records["purchases"][0]["amount"]) == Decimal("3999.00")
    assert "李四" not in json.dumps(records, ensure_ascii=False)
