"""Signing in and out over HTTP: CSRF, throttling, session revocation, timeouts, redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def agent(app) -> User:
    with app.app_context():
        return make_user(username="liu.yang", display_name="刘洋")


def test_the_login_page_is_chinese_by_default(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page


def test_a_login_without_csrf_token_is_refused(client, agent) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "liu.yang", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_a_successful_login_starts_a_new_session_with_safe_cookie_flags(client, agent) -> None:
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "from before the login"
    response = login(client, "liu.yang")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    with client.session_transaction() as session:
        assert "planted" not in session
    assert "刘洋" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(client, agent) -> None:
    response = login(client, "liu.yang", "not-my-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    unknown = login(client, "nobody.here", "not-my-password")
    assert unknown.status_code == 401
    assert "用户名或密码错误" in unknown.get_data(as_text=True)


def test_the_sixth_wrong_password_in_a_row_is_throttled(client, agent) -> None:
    for _ in range(5):
        assert login(client, "liu.yang", "not-my-password").status_code == 401
    throttled = login(client, "liu.yang", DEFAULT_PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in throttled.get_data(as_text=True)


def test_a_session_cookie_replayed_after_logout_is_refused(app, client, agent) -> None:
    login(client, "liu.yang")
    stolen = client.get_cookie("crm_session").value
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("crm_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_is_post_only(client, agent) -> None:
    login(client, "liu.yang")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(app, agent) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "liu.yang")
    login(elsewhere, "liu.yang")
    response = here.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": "brand-new-secret-1",
            "confirm": "brand-new-secret-1",
            "csrf_token": csrf_token(here, "/account"),
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert login(app.test_client(), "liu.yang", "brand-new-secret-1").status_code == 302


def test_a_mismatched_new_password_is_refused_with_a_message(client, agent) -> None:
    login(client, "liu.yang")
    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": "brand-new-secret-1",
            "confirm": "brand-new-secret-2",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 400
    assert "两次输入的新密码不一致" in response.get_data(as_text=True)
    assert login(client.application.test_client(), "liu.yang").status_code == 302


@pytest.mark.parametrize(
    ("elapsed", "signed_in"),
    [
        (timedelta(minutes=29), True),
        (timedelta(minutes=31), False),
    ],
)
def test_an_idle_session_expires(client, agent, elapsed, signed_in) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, "liu.yang")
        clock.shift(elapsed)
        response = client.get("/account")
    assert (response.status_code == 200) is signed_in
    if not signed_in:
        assert response.headers["Location"].startswith("/login?next=/account")


def test_the_session_cookie_is_renewed_once_a_minute_not_with_every_answer(client, agent) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, "liu.yang")
        clock.shift(timedelta(seconds=61))
        assert "Set-Cookie" in client.get("/").headers
        clock.shift(timedelta(seconds=30))
        assert "Set-Cookie" not in client.get("/").headers
        clock.shift(timedelta(seconds=30))
        assert "Set-Cookie" in client.get("/").headers


def test_a_busy_session_still_ends_at_the_absolute_limit(client, agent) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, "liu.yang")
        statuses = []
        for _ in range(12 * 3 + 1):  # a request every 20 minutes for 12 hours and 20 minutes
            clock.shift(timedelta(minutes=20))
            statuses.append(client.get("/").status_code)
    assert statuses[:-1] == [200] * 36
    assert statuses[-1] == 302


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\r\nSet-Cookie: x=y",
    ],
)
def test_login_never_redirects_off_site(client, agent, hostile) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "username": "liu.yang",
            "password": DEFAULT_PASSWORD,
            "next": hostile,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, agent) -> None:
    token = csrf_token(client, "/login?next=/account")
    response = client.post(
        "/login",
        data={
            "username": "liu.yang",
            "password": DEFAULT_PASSWORD,
            "next": "/account",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/account"


def test_an_agent_changes_language_and_time_zone(app, client, agent) -> None:
    login(client, "liu.yang")
    response = client.post(
        "/account/preferences",
        data={"locale": "en", "timezone": "Europe/Berlin", "csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 302
    assert "My account" in client.get("/account").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, agent.id)
        assert (user.locale, user.timezone) == ("en", "Europe/Berlin")


def test_an_unknown_time_zone_is_refused_and_nothing_is_saved(app, client, agent) -> None:
    login(client, "liu.yang")
    response = client.post(
        "/account/preferences",
        data={"locale": "en", "timezone": "Mars/Base", "csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, agent.id).timezone == "Asia/Shanghai"


def test_logins_and_logouts_are_audited_with_the_address(app, client, agent) -> None:
    login(client, "liu.yang", "not-my-password")
    login(client, "liu.yang")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry.action, AuditEntry.address).order_by(AuditEntry.id)
        ).all()
    assert [action for action, _ in entries][-3:] == [
        "auth.login_failed",
        "auth.login",
        "auth.logout",
    ]
    assert all(address == "127.0.0.1" for _, address in entries[-3:])
