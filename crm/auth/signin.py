"""Signing in: checking a name and password, throttled and audited; the caller commits."""

from __future__ import annotations

from flask import current_app

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.services import find_user_by_username, normalise_username
from crm.auth.throttle import Throttle, audit_throttled, begin_attempt, succeed
from crm.database import utcnow
from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l
from crm.security import hash_password, password_needs_rehash, verify_password

# Verifying against a real hash when the account does not exist keeps the response time the
# same, so timing does not reveal which usernames exist.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105


class InvalidCredentials(DomainError):
    pass


class LoginThrottled(DomainError):
    def __init__(self, throttle: Throttle) -> None:
        super().__init__(_l("Too many failed sign-in attempts. Please wait and try again."))
        self.throttle = throttle


def authenticate(*, username: str, password: str, address: str) -> User:
    """Check a sign-in attempt, counting it for throttling and writing it to the audit log.

    :raises LoginThrottled: when this client has failed too often recently (see
        :mod:`crm.auth.throttle`); the password is then not even checked, and repeated
        refusals are audited once per window.
    :raises InvalidCredentials: for a wrong name or password, or a deactivated account, with
        one message for all so the response does not reveal which.
    """
    name = normalise_username(username)[:64]
    now = utcnow()
    attempt, throttle = begin_attempt(username=name, address=address, now=now)
    user = find_user_by_username(name)
    if throttle is not None:
        audit_throttled(
            throttle=throttle,
            username=name,
            address=address,
            now=now,
            user_id=user.id if user else None,
        )
        raise LoginThrottled(throttle)

    password_ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if user is None or not password_ok or not user.active:
        record(
            action=AuditAction.LOGIN_FAILED,
            actor=None,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            details={"username": name},
        )
        raise InvalidCredentials(_l("Wrong username or password, or the account is inactive."))

    succeed(attempt)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    record(action=AuditAction.LOGIN, actor=user, object_type="user", object_id=user.id)
    return user


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("crm_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hash_password(_DUMMY_PASSWORD)
    return cache["hash"]
