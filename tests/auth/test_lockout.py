"""Issue 19: sign-in throttling that attackers cannot turn against others, bounded state,
unlocking, and the login burst."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.auth import services, signin
from crm.auth.models import LoginAttempt
from crm.database import utcnow
from crm.extensions import db
from crm.scheduler import run_all
from tests.conftest import CSRF_META
from tests.factories import DEFAULT_PASSWORD, make_user

ATTACKER = "127.0.0.2"
OFFICE = "127.0.0.1"


def client_at(app, address: str):
    """A test client whose requests come from ``address``, with its CSRF token."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    return client, token


def post_login(client, token: str, username: str, password: str):
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def audit_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def sign_in(username: str, password: str, address: str):
    try:
        return signin.authenticate(username=username, password=password, address=address)
    finally:
        db.session.commit()


def test_thirty_wrong_passwords_from_elsewhere_do_not_keep_the_admin_out(app) -> None:
    with app.app_context():
        make_user(username="admin", roles=["admin"])
    attacker, token = client_at(app, ATTACKER)
    statuses = [
        post_login(attacker, token, "admin", "guess-number-x").status_code for _ in range(30)
    ]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}

    office, office_token = client_at(app, OFFICE)
    assert post_login(office, office_token, "admin", DEFAULT_PASSWORD).status_code == 302

    # The attacker's client stays slowed, even with the right password.
    slowed = post_login(attacker, token, "admin", DEFAULT_PASSWORD)
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) > 0


def test_the_failing_clients_delay_grows_and_is_capped(ctx) -> None:
    user = make_user()
    config = ctx.config
    base = config["LOGIN_BACKOFF_SECONDS"]
    cap = config["LOGIN_BACKOFF_MAX_MINUTES"] * 60
    delays = []
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(config["LOGIN_MAX_FAILURES"]):
            with pytest.raises(signin.InvalidCredentials):
                sign_in(user.username, "wrong-password", ATTACKER)
        for _ in range(8):
            with pytest.raises(signin.LoginThrottled) as refused:
                sign_in(user.username, "wrong-password", ATTACKER)
            delay = refused.value.throttle.retry_after_seconds(utcnow())
            delays.append(delay)
            clock.shift(timedelta(seconds=delay))
            with pytest.raises(signin.InvalidCredentials):
                sign_in(user.username, "wrong-password", ATTACKER)
    assert delays[:3] == [base + 1, 2 * base + 1, 4 * base + 1]
    assert max(delays) == cap + 1
    assert delays == sorted(delays)


def test_many_clients_guessing_one_account_slow_only_clients_it_has_not_seen(ctx) -> None:
    ctx.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 12
    user = make_user()
    sign_in(user.username, DEFAULT_PASSWORD, OFFICE)  # the user's own desk
    for number in range(12):
        with pytest.raises(signin.InvalidCredentials):
            sign_in(user.username, "wrong-password", f"203.0.113.{number}")
    with pytest.raises(signin.LoginThrottled):
        sign_in(user.username, DEFAULT_PASSWORD, "198.51.100.7")
    assert sign_in(user.username, DEFAULT_PASSWORD, OFFICE).id == user.id


def test_colleagues_typos_behind_one_office_address_do_not_hold_up_a_known_agent(ctx) -> None:
    agent = make_user()
    newcomer = make_user()
    sign_in(agent.username, DEFAULT_PASSWORD, OFFICE)
    for number in range(ctx.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        with pytest.raises(signin.InvalidCredentials):
            sign_in(f"typo{number}", "wrong-password", OFFICE)
    assert sign_in(agent.username, DEFAULT_PASSWORD, OFFICE).id == agent.id
    # An account never signed in from here is slowed like any guess from a spraying client.
    with pytest.raises(signin.LoginThrottled):
        sign_in(newcomer.username, DEFAULT_PASSWORD, OFFICE)


def test_two_hundred_failures_for_a_made_up_user_add_a_handful_of_audit_rows(app) -> None:
    before = audit_rows(app)
    attacker, token = client_at(app, ATTACKER)
    for _ in range(200):
        assert post_login(attacker, token, "no.such.user", "guess").status_code in {401, 429}
    assert audit_rows(app) - before <= 7
    with app.app_context():
        throttled = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.LOGIN_THROTTLED)
        ).all()
        assert len(throttled) == 1
        assert throttled[0].details["username"] == "no.such.user"


def test_the_scheduler_prunes_attempts_older_than_the_window(app) -> None:
    now = utcnow()
    window = timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"])
    with app.app_context():
        for at, ok in [
            (now - window - timedelta(minutes=1), False),
            (now - window + timedelta(minutes=1), False),
            (now - timedelta(days=1), True),
            (now - timedelta(days=app.config["LOGIN_KNOWN_CLIENT_DAYS"] + 1), True),
        ]:
            db.session.add(LoginAttempt(username="x", address=ATTACKER, succeeded=ok, at=at))
        db.session.commit()
    assert run_all(app, now=now)["auth.prune_login_attempts"] == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2


def test_unlock_user_clears_the_accounts_throttle_and_is_audited(app) -> None:
    with app.app_context():
        user_id = make_user(username="locked.out").id
        for _ in range(5):
            with pytest.raises(signin.InvalidCredentials):
                sign_in("locked.out", "wrong-password", OFFICE)
        with pytest.raises(signin.LoginThrottled):
            sign_in("locked.out", DEFAULT_PASSWORD, OFFICE)
    result = app.test_cli_runner().invoke(args=["unlock-user", "Locked.Out"])
    assert result.exit_code == 0, result.output
    assert "locked.out" in result.output
    with app.app_context():
        assert sign_in("locked.out", DEFAULT_PASSWORD, OFFICE).id == user_id
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.USER_UNLOCKED)
        )
        assert (entry.actor_id, entry.object_id) == (None, str(user_id))
    assert app.test_cli_runner().invoke(args=["unlock-user", "nobody"]).exit_code != 0


def test_an_admin_sees_and_clears_a_throttle(app, client, login_as) -> None:
    admin = login_as("admin")
    with app.app_context():
        user_id = make_user(username="forgetful").id
        for _ in range(5):
            with pytest.raises(signin.InvalidCredentials):
                sign_in("forgetful", "wrong-password", "192.0.2.44")
    listing = client.get("/admin/users/?q=forgetful").get_data(as_text=True)
    assert 'data-testid="sign-in-waits"' in listing
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "192.0.2.44" in page
    token = CSRF_META.search(page).group(1)
    assert client.post(f"/admin/users/{user_id}/throttle").status_code == 400  # no CSRF token
    response = client.post(f"/admin/users/{user_id}/throttle", data={"csrf_token": token})
    assert response.status_code == 302
    assert "192.0.2.44" not in client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    listing = client.get("/admin/users/?q=forgetful").get_data(as_text=True)
    assert 'data-testid="sign-in-waits"' not in listing
    with app.app_context():
        assert sign_in("forgetful", DEFAULT_PASSWORD, "192.0.2.44").id == user_id
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == AuditAction.USER_UNLOCKED)
        )
        assert (entry.actor_id, entry.object_id) == (admin.id, str(user_id))


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "1qaz2wsx3edc", "Iloveyou2026!"])
def test_a_common_password_is_refused_when_set_or_changed(ctx, password) -> None:
    with pytest.raises(services.DomainError) as refused:
        services.create_user(
            actor=None, username="newbie", display_name="新人", roles=["agent"], password=password
        )
    assert refused.value.field == "password"
    user = make_user()
    with pytest.raises(services.DomainError) as refused:
        services.change_own_password(
            user=user, current_password=DEFAULT_PASSWORD, new_password=password
        )
    assert refused.value.field == "password"


def test_a_concurrent_burst_gets_exactly_the_limit_through(app) -> None:
    with app.app_context():
        make_user(username="burst.target")
    limit = app.config["LOGIN_MAX_FAILURES"]
    clients = [client_at(app, ATTACKER) for _ in range(limit + 3)]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def attempt(client, token) -> None:
        start.wait()
        statuses.append(post_login(client, token, "burst.target", "wrong-password").status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * limit + [429] * 3


def test_behind_one_trusted_proxy_the_forwarded_client_is_throttled_not_the_proxy(
    app_with,
) -> None:
    proxied = app_with(TRUSTED_PROXIES=1)
    with proxied.app_context():
        make_user(username="admin", roles=["admin"])

    def via_proxy(forwarded_for: str):
        client, token = client_at(proxied, "10.0.0.1")  # the proxy's own address
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
        return client, token

    attacker, token = via_proxy(ATTACKER)
    for _ in range(6):
        post_login(attacker, token, "admin", "guess-number-x")
    assert post_login(attacker, token, "admin", DEFAULT_PASSWORD).status_code == 429
    office, office_token = via_proxy(OFFICE)
    assert post_login(office, office_token, "admin", DEFAULT_PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(app) -> None:
    with app.app_context():
        make_user(username="admin", roles=["admin"])
    attacker, token = client_at(app, ATTACKER)
    for number in range(6):
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{number}"
        post_login(attacker, token, "admin", "guess-number-x")
    assert post_login(attacker, token, "admin", DEFAULT_PASSWORD).status_code == 429
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginAttempt.address)))
    assert addresses == {ATTACKER}
