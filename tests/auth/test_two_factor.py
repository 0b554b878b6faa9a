"""Two-factor sign-in: enrolment with the app's first code, the second step of signing in,
codes used once, recovery codes, throttling, and the requirement for administrators and
supervisors."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.auth.models import User
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_user

CODES = re.compile(r'<li class="col">([0-9a-f]{5}-[0-9a-f]{5})</li>')


def enrol(client) -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the pages as the signed-in user; returns the secret
    and the recovery codes shown."""
    token = csrf_token(client, "/account/two-factor")
    assert client.post("/account/two-factor/begin", data={"csrf_token": token}).status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn on the server
    secret = re.search(r'data-testid="enrol-secret">([A-Z2-7]+)<', page).group(1)
    confirmed = client.post(
        "/account/two-factor/confirm",
        data={"csrf_token": token, "code": pyotp.TOTP(secret).now()},
    )
    assert confirmed.status_code == 200
    codes = CODES.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def next_code(secret: str) -> str:
    """The app's code for the next 30-second step: accepted (clock drift), and never the one
    the enrolment just used up."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def verify(client, code: str):
    token = csrf_token(client, "/login/verify")
    return client.post("/login/verify", data={"csrf_token": token, "code": code})


@pytest.fixture
def enrolled(app, client, login_as) -> tuple[User, str, list[str]]:
    user = login_as("agent", username="agent.he")
    secret, codes = enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return user, secret, codes


def test_a_wrong_first_code_does_not_switch_it_on(app, client, login_as) -> None:
    user = login_as("agent")
    token = csrf_token(client, "/account/two-factor")
    client.post("/account/two-factor/begin", data={"csrf_token": token})
    refused = client.post(
        "/account/two-factor/confirm", data={"csrf_token": token, "code": "000000"}
    )
    assert refused.status_code == 400
    with app.app_context():
        assert not db.session.get(User, user.id).two_factor_enabled


def test_the_password_alone_no_longer_signs_in(app, client, enrolled) -> None:
    user, secret, _codes = enrolled
    response = login(client, user.username)
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    assert client.get("/").status_code == 302  # not signed in yet

    wrong = verify(client, "123456")
    assert wrong.status_code == 401
    right = verify(client, next_code(secret))
    assert right.status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.TWO_FACTOR_FAILED)
        ).all()
        assert [entry.object_id for entry in failed] == [str(user.id)]


def test_a_code_is_accepted_only_once(app, client, enrolled) -> None:
    user, secret, _codes = enrolled
    code = next_code(secret)
    login(client, user.username)
    assert verify(client, code).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, user.username)
    assert verify(client, code).status_code == 401  # replayed within its 30 seconds


def test_a_recovery_code_signs_in_once(app, client, enrolled) -> None:
    user, _secret, codes = enrolled
    login(client, user.username)
    used = verify(client, codes[0].upper().replace("-", " "))  # typed loosely
    assert used.status_code == 302
    assert "9" in client.get("/").get_data(as_text=True)  # "… 9 are left"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, user.username)
    assert verify(client, codes[0]).status_code == 401


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(
    app, client, enrolled
) -> None:
    user, secret, _codes = enrolled
    for _ in range(3):
        login(client, user.username)
        verify(client, "000000")
    login(client, user.username)  # the password is right again
    for _ in range(2):
        verify(client, "000000")
    throttled = verify(client, next_code(secret))
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"].isdigit()


def test_a_password_change_voids_a_pending_second_step(app, client, enrolled) -> None:
    user, secret, _codes = enrolled
    login(client, user.username)
    token = csrf_token(client, "/login/verify")
    with app.app_context():
        db.session.get(User, user.id).revoke_sessions()
        db.session.commit()
    response = client.post("/login/verify", data={"csrf_token": token, "code": next_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_when_required_supervisors_must_enrol_before_anything_else(app_with) -> None:
    app = app_with(REQUIRE_2FA=True)
    client = app.test_client()
    with app.app_context():
        make_user(username="boss", roles=["supervisor"])
        make_user(username="agent.wu", roles=["agent"])
    login(client, "boss")
    response = client.get("/customers/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    secret, _codes = enrol(client)
    assert client.get("/customers/").status_code == 200
    token = csrf_token(client, "/account/two-factor")
    refused = client.post(
        "/account/two-factor/disable",
        data={"csrf_token": token, "password": "x", "code": next_code(secret)},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "boss")).two_factor_enabled

    agent = app.test_client()
    login(agent, "agent.wu")
    assert agent.get("/customers/").status_code == 200  # optional for agents


def test_an_administrator_resets_a_lost_second_factor(app, client, enrolled, login_as) -> None:
    user, _secret, _codes = enrolled
    login_as("admin", username="admin.li")
    token = csrf_token(client, f"/admin/users/{user.id}")
    assert (
        client.post(f"/admin/users/{user.id}/two-factor", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        reset = db.session.get(User, user.id)
        assert not reset.two_factor_enabled and reset.totp_secret is None
