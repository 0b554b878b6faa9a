"""The admin's user pages: create, list, change, reset, deactivate."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from crm.auth.models import User
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_user


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_an_admin_creates_a_user_who_signs_in_with_the_password_shown_once(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "Zhou.Jie",
            "display_name": "周杰",
            "email": "zhou@example.cn",
            "roles": ["agent", "qa"],
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(
        r'data-testid="generated-password">([^<]+)<', response.get_data(as_text=True)
    ).group(1)
    assert login(app.test_client(), "zhou.jie", password).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "zhou.jie"))
        assert (user.display_name, user.roles) == ("周杰", {"agent", "qa"})


def test_a_taken_username_is_refused_beside_the_field_and_nothing_is_created(app, client, login_as):
    login_as("admin", username="the.admin")
    before = user_count(app)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "the.admin",
            "display_name": "重复",
            "roles": ["agent"],
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "该用户名已被使用" in page
    assert 'id="username-error"' in page
    assert user_count(app) == before


def test_a_form_without_roles_or_with_a_bad_email_is_refused(app, client, login_as):
    login_as("admin")
    before = user_count(app)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "no.roles",
            "display_name": "无角色",
            "email": "not-an-email",
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请至少选择一个角色" in page
    assert "请输入电子邮箱地址" in page
    assert user_count(app) == before


def test_the_list_filters_sorts_and_ignores_unknown_sort_keys(app, client, login_as):
    login_as("admin", username="aaa.admin")
    with app.app_context():
        make_user(username="bbb.trainer", roles=["trainer"])
        make_user(username="ccc.agent", roles=["agent"])
    trainers = client.get("/admin/users/?role=trainer").get_data(as_text=True)
    assert "bbb.trainer" in trainers
    assert "ccc.agent" not in trainers
    descending = client.get("/admin/users/?sort=-username").get_data(as_text=True)
    assert descending.index("ccc.agent") < descending.index("bbb.trainer")
    hostile = client.get("/admin/users/?sort=password_hash;DROP TABLE users")
    assert hostile.status_code == 200
    assert user_count(app) == 3


def test_the_list_pages_through_many_users(app, client, login_as):
    login_as("admin", username="aaa.admin")
    with app.app_context():
        for number in range(30):
            make_user(username=f"agent{number:02d}")
    first = client.get("/admin/users/").get_data(as_text=True)
    second = client.get("/admin/users/?page=2").get_data(as_text=True)
    assert "第 1 页，共 2 页" in first
    assert "agent00" in first and "agent29" not in first
    assert "agent29" in second


def test_deactivating_a_user_ends_their_open_session(app, client, login_as):
    login_as("admin")
    with app.app_context():
        target = make_user(username="leaving.agent")
    theirs = app.test_client()
    login(theirs, "leaving.agent")
    assert theirs.get("/").status_code == 200
    response = client.post(
        f"/admin/users/{target.id}/active",
        data={"active": "0", "csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 302
    assert theirs.get("/").status_code == 302
    assert login(app.test_client(), "leaving.agent").status_code == 401


def test_an_admin_cannot_deactivate_themselves(app, client, login_as):
    admin = login_as("admin")
    client.post(
        f"/admin/users/{admin.id}/active",
        data={"active": "0", "csrf_token": csrf_token(client, "/")},
    )
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "不能停用自己的账号" in page
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_a_password_reset_shows_a_new_password_and_the_old_one_stops_working(app, client, login_as):
    login_as("admin")
    with app.app_context():
        target = make_user(username="forgetful")
    response = client.post(
        f"/admin/users/{target.id}/password", data={"csrf_token": csrf_token(client, "/")}
    )
    password = re.search(
        r'data-testid="generated-password">([^<]+)<', response.get_data(as_text=True)
    ).group(1)
    assert login(app.test_client(), "forgetful").status_code == 401
    assert login(app.test_client(), "forgetful", password).status_code == 302
