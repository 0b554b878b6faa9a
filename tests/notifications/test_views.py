"""The notifications page: grouped, linked, marked read by POST with CSRF, one's own only;
the settings page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.extensions import db
from crm.notifications.models import Notification, NotificationSetting
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.notifications.helpers import case_notice, due_callbacks

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _notices(app, user_id: int) -> list[Notification]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        )


def test_each_notice_links_to_its_object_and_user_text_is_escaped(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        case_notice(agent.id, 5)
        db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'href="/cases/5"' in page
    assert "&lt;b&gt;退款&lt;/b&gt;" in page and "<b>退款</b>" not in page
    assert 'data-testid="notification-group"' in page and "转给我的工单" in page


def test_a_digest_links_to_the_worklist_and_lists_its_notices(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        due_callbacks(agent.id, 8)
        db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert "8 个回访已到期" in page and 'href="/callbacks/"' in page
    digest = next(n for n in _notices(app, agent.id) if n.subject_type == "digest")
    inside = client.get(f"/notifications/?digest={digest.id}").get_data(as_text=True)
    assert inside.count('href="/callbacks/tasks/') == 8


def test_another_persons_digest_is_not_found(app, client, login_as) -> None:
    with app.app_context():
        owner_id = make_user().id
        due_callbacks(owner_id, 8)
        db.session.commit()
    login_as("agent")
    digest = next(n for n in _notices(app, owner_id) if n.subject_type == "digest")
    assert client.get(f"/notifications/?digest={digest.id}").status_code == 404
    assert client.get("/notifications/?digest=abc").status_code == 404


def test_mark_read_needs_post_and_csrf_and_touches_only_ones_own(app, client, login_as) -> None:
    with app.app_context():
        owner_id = make_user().id
        case_notice(owner_id, 1)
        db.session.commit()
    (theirs,) = _notices(app, owner_id)
    login_as("agent")
    token = csrf_token(client, "/notifications/")
    assert client.get(f"/notifications/{theirs.id}/read").status_code == 405
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 400
    for path, data in [
        (f"/notifications/{theirs.id}/read", {}),
        ("/notifications/read-all", {}),
        (
            "/notifications/read-group",
            {"day": theirs.created_at.date().isoformat(), "kind": theirs.kind},
        ),
    ]:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 302
    assert _notices(app, owner_id)[0].read_at is None


def test_a_group_is_marked_read(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        case_notice(agent.id, 1)
        case_notice(agent.id, 2)
        due_callbacks(agent.id, 1)
        db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("本组标为已读") == 2
    day = _notices(app, agent.id)[0].created_at.astimezone(SHANGHAI).date()
    response = client.post(
        "/notifications/read-group",
        data={
            "csrf_token": csrf_token(client, "/notifications/"),
            "day": day.isoformat(),
            "kind": "case.transferred",
        },
        follow_redirects=True,
    )
    assert "已将 2 条通知标为已读" in response.get_data(as_text=True)
    unread = [n.kind for n in _notices(app, agent.id) if n.read_at is None]
    assert unread == ["callback.due"]
    bad = client.post(
        "/notifications/read-group",
        data={"csrf_token": csrf_token(client, "/notifications/"), "day": "yesterday", "kind": "x"},
    )
    assert bad.status_code == 400


def test_settings_are_saved_for_the_signed_in_user(app, client, login_as) -> None:
    agent = login_as("agent")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "到期回访" in page and "每日汇总" in page
    form = {"csrf_token": csrf_token(client, "/notifications/settings")}
    form |= {f"in_app-{kind}": "on" for kind in ("case.transferred", "qa.review")}
    form["email-callback.due"] = "daily"
    response = client.post("/notifications/settings", data=form)
    assert response.status_code == 302
    with app.app_context():
        rows = {
            row.kind: (row.in_app, row.email)
            for row in db.session.scalars(
                select(NotificationSetting).where(NotificationSetting.user_id == agent.id)
            )
        }
    assert rows["callback.due"] == (False, "daily")
    assert "case.transferred" not in rows
    form["email-qa.review"] = "hourly"
    assert client.post("/notifications/settings", data=form).status_code == 400


def test_the_audit_log_shows_a_settings_change_in_words(app, client, login_as) -> None:
    login_as("agent")
    form = {"csrf_token": csrf_token(client, "/notifications/settings")}
    form |= {f"in_app-{kind}": "on" for kind in ("case.transferred", "qa.review")}
    form["email-callback.due"] = "daily"
    assert client.post("/notifications/settings", data=form).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("admin")
    page = client.get("/admin/audit/?action=user.preferences_changed").get_data(as_text=True)
    assert "到期回访 · 邮件通知" in page and "立即发送" in page and "每日汇总" in page
    assert "到期回访 · 站内显示" in page
    assert "notifications.callback.due" not in page
