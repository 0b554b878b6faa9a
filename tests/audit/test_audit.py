"""The audit log is append-only in the database itself, and admins can browse and filter it."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from crm.audit.models import AuditEntry
from crm.audit.queries import PER_PAGE
from crm.audit.services import AuditAction, record
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_user


def test_the_database_refuses_to_update_or_delete_audit_entries(ctx) -> None:
    entry_id = record(action=AuditAction.USER_UPDATED, actor=None, details={"x": [1, 2]}).id
    db.session.commit()
    for statement in (
        update(AuditEntry).where(AuditEntry.id == entry_id).values(action="tampered"),
        delete(AuditEntry).where(AuditEntry.id == entry_id),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(AuditEntry, entry_id).action == AuditAction.USER_UPDATED


def test_user_changes_made_in_the_admin_pages_are_audited(app, client, login_as) -> None:
    admin = login_as("admin")
    with app.app_context():
        target_id = make_user(username="audited.user", display_name="旧名字").id
    token = csrf_token(client, f"/admin/users/{target_id}")
    client.post(
        f"/admin/users/{target_id}",
        data={"display_name": "新名字", "roles": ["agent", "trainer"], "csrf_token": token},
    )
    client.post(f"/admin/users/{target_id}/active", data={"active": "0", "csrf_token": token})
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "user", AuditEntry.object_id == str(target_id))
            .order_by(AuditEntry.id)
        ).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        (AuditAction.USER_CREATED, None),
        (AuditAction.USER_UPDATED, admin.id),
        (AuditAction.USER_DEACTIVATED, admin.id),
    ]
    assert entries[1].details == {
        "display_name": ["旧名字", "新名字"],
        "roles": [["agent"], ["agent", "trainer"]],
    }


def test_the_audit_page_filters_by_object_and_action(app, client, login_as) -> None:
    login_as("admin")
    with app.app_context():
        first = make_user(username="first.user").id
        make_user(username="second.user")
    page = client.get(f"/admin/audit/?object_type=user&object_id={first}").get_data(as_text=True)
    assert "first.user" in page
    assert "second.user" not in page
    logins = client.get("/admin/audit/?action=auth.login").get_data(as_text=True)
    assert 'data-action="auth.login"' in logins
    assert 'data-action="user.created"' not in logins


def test_the_audit_page_pages_by_keyset(app, client, login_as) -> None:
    login_as("admin")
    with app.app_context():
        for number in range(PER_PAGE + 5):
            record(action=AuditAction.USER_UPDATED, actor=None, details={"n": number})
        db.session.commit()
    first = client.get("/admin/audit/?action=user.updated").get_data(as_text=True)
    assert first.count('data-action="user.updated"') == PER_PAGE
    link = re.search(r'href="(/admin/audit/\?[^"]*before=\d+[^"]*)"', first).group(1)
    assert "action=user.updated" in link  # the filters carry over to the older page
    second = client.get(html.unescape(link)).get_data(as_text=True)
    assert second.count('data-action="user.updated"') == 5


def test_an_invalid_filter_is_a_400_with_the_form_not_a_crash(client, login_as) -> None:
    login_as("admin")
    response = client.get("/admin/audit/?date_from=not-a-date&actor=abc")
    assert response.status_code == 400
