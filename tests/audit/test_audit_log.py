"""Issue 21, honest figures: the audit log names people, translates field names, and shows
before → after for every changed field, filterable by user, object and date."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.cases.complaints import record_complaint_closure
from crm.cases.services import open_case, transfer
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_user


def _transferred_case(app) -> int:
    with app.app_context():
        li = make_user(username="agent.li", display_name="李明", roles=["agent"])
        wu = make_user(username="agent.wu", display_name="吴芳", roles=["agent"])
        customer = make_customer(actor=li, name="张伟")
        case = open_case(
            actor=li,
            customer=customer,
            subject="投诉",
            category="complaint",
            now=utcnow(),
            assignee=li,
        )
        transfer(
            actor=li,
            case=case,
            department=case.department,
            assignee=wu,
            now=utcnow(),
            note="请跟进",
        )
        db.session.commit()
        return case.id


def test_a_transfer_reads_with_names_and_translated_fields(app, client, login_as) -> None:
    case_id = _transferred_case(app)
    login_as("admin")
    page = html.unescape(
        client.get(f"/admin/audit/?object_type=case&object_id={case_id}").get_data(as_text=True)
    )
    assert "处理人" in page  # the field's name, not "assignee"
    assert "李明 → 吴芳" in page  # people by name, not "3 → 4"
    assert "assignee:" not in page


def test_the_object_is_named(app, client, login_as) -> None:
    login_as("admin")
    with app.app_context():
        target = make_user(username="named.user", display_name="王小二").id
    page = client.get(f"/admin/audit/?object_type=user&object_id={target}").get_data(as_text=True)
    assert "用户 王小二" in page


def test_a_complaint_closure_records_before_and_after(app) -> None:
    case_id = _transferred_case(app)
    with app.app_context():
        from crm.auth.models import User
        from crm.cases.models import Case

        case = db.session.get(Case, case_id)
        agent = db.session.scalar(select(User).where(User.username == "agent.wu"))
        record_complaint_closure(
            actor=agent,
            case=case,
            root_cause="配送延误",
            corrective_action="补发",
            confirmation_method="电话",
            confirmed_by="张伟",
            confirmed_at=datetime(2026, 1, 1, tzinfo=UTC),
            now=utcnow(),
        )
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == str(case_id)).order_by(AuditEntry.id)
        ).all()[-1]
        assert entry.details["root_cause"] == [None, "配送延误"]
        assert entry.details["confirmed_by"] == [None, "张伟"]


def test_codes_in_a_change_read_as_their_labels(app, client, login_as) -> None:
    from crm.audit.services import AuditAction, record

    login_as("admin")
    with app.app_context():
        target = make_user(username="coded.user", display_name="赵四")
        record(
            action=AuditAction.USER_UPDATED,
            actor=None,
            object_type="user",
            object_id=target.id,
            details={"roles": [["agent"], ["agent", "trainer"]]},
        )
        db.session.commit()
    page = html.unescape(client.get("/admin/audit/?action=user.updated").get_data(as_text=True))
    assert "trainer" not in page.split('data-testid="audit-table"')[1]


def test_a_rescheduled_callback_reads_as_its_due_date_before_and_after(
    app, client, login_as
) -> None:
    from crm.audit.services import AuditAction, record

    login_as("admin")
    with app.app_context():
        record(
            action=AuditAction.CALLBACK_RESCHEDULED,
            actor=None,
            object_type="callback_task",
            object_id=7,
            details={"from": "2026-03-02", "to": "2026-03-05"},
        )
        db.session.commit()
    page = html.unescape(
        client.get("/admin/audit/?object_type=callback_task").get_data(as_text=True)
    )
    assert "2026-03-02 → 2026-03-05" in page


def test_each_entry_links_to_its_object(app, client, login_as) -> None:
    """Work is one click away: the case, the customer and the user each open from the log."""
    case_id = _transferred_case(app)
    login_as("admin")
    page = client.get(f"/admin/audit/?object_type=case&object_id={case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}"' in page
    with app.app_context():
        customer_id = db.session.scalar(
            select(AuditEntry.object_id).where(AuditEntry.object_type == "customer")
        )
        user_id = make_user(username="linked.user", display_name="赵六").id
        db.session.commit()
    page = client.get(f"/admin/audit/?object_type=customer&object_id={customer_id}")
    assert f'href="/customers/{customer_id}"' in page.get_data(as_text=True)
    page = client.get(f"/admin/audit/?object_type=user&object_id={user_id}")
    assert f'href="/admin/users/{user_id}"' in page.get_data(as_text=True)
