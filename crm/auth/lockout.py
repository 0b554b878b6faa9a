"""What administrators and the scheduler do with sign-in throttling: see who is being slowed
down, clear an account's failures, and prune what is no longer remembered.

Functions flush; the view, command or scheduler run that called them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select

from crm.audit.services import AuditAction, record
from crm.auth.models import LoginAttempt, User
from crm.auth.permissions import Permission
from crm.auth.throttle import backoff_until, window
from crm.errors import PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class ClientFailures:
    """Remembered failed sign-ins of one account from one client address."""

    address: str
    failures: int
    last_at: datetime
    #: when this client may try again, or None when it is not held up
    waits_until: datetime | None
    #: True for wrong two-factor codes, False for wrong passwords
    second_factor: bool


def _keys(user: User) -> tuple[str, str]:
    """The names attempts are counted under: the password's, and the second factor's."""
    return user.username, f"2fa:{user.username}"[:64]


def failures_for(user: User, now: datetime) -> list[ClientFailures]:
    """The clients that failed to sign in to ``user`` within the window, newest first, each with
    the wait in force for it (per account and address; the address's own limit over all
    accounts is left out, as it is not the account's)."""
    password_key, code_key = _keys(user)
    rows = db.session.execute(
        select(
            LoginAttempt.username,
            LoginAttempt.address,
            func.count(),
            func.max(LoginAttempt.at),
        )
        .where(
            LoginAttempt.username.in_([password_key, code_key]),
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > now - window(),
        )
        .group_by(LoginAttempt.username, LoginAttempt.address)
        .order_by(func.max(LoginAttempt.at).desc())
    ).all()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    listed = []
    for key, address, count, last_at in rows:
        until = backoff_until(count, last_at, limit)
        listed.append(
            ClientFailures(
                address=address,
                failures=count,
                last_at=last_at,
                waits_until=until if until is not None and until > now else None,
                second_factor=key == code_key,
            )
        )
    return listed


def waiting_usernames(usernames: list[str], now: datetime) -> set[str]:
    """Which of ``usernames`` have a client that must wait before its next password try: for
    the user list's badge, in one query for the page."""
    if not usernames:
        return set()
    rows = db.session.execute(
        select(LoginAttempt.username, func.count(), func.max(LoginAttempt.at))
        .where(
            LoginAttempt.username.in_(usernames),
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > now - window(),
        )
        .group_by(LoginAttempt.username, LoginAttempt.address)
    ).all()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    waiting = set()
    for username, count, last_at in rows:
        until = backoff_until(count, last_at, limit)
        if until is not None and until > now:
            waiting.add(username)
    return waiting


def clear_failures(*, actor: User | None, user: User) -> int:
    """Forget every remembered failed sign-in (passwords and two-factor codes) of ``user``, from
    every client, so that no wait holds them up; audited even when there was nothing to clear.

    :param actor: the administrator, or None from the command line.
    :returns: how many failures were forgotten.
    :raises PermissionDenied: when ``actor`` may not manage users.
    """
    if actor is not None and not actor.can(Permission.USERS_MANAGE):
        raise PermissionDenied(_l("Only administrators clear sign-in throttles."))
    cleared = db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username.in_(_keys(user)), LoginAttempt.succeeded.is_(False)
        )
    ).rowcount
    record(
        action=AuditAction.USER_UNLOCKED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"failures_cleared": cleared},
    )
    db.session.flush()
    return cleared


def prune_login_attempts(now: datetime) -> int:
    """Scheduler job: drop failures older than the window (they no longer count) and successes
    older than the known-client period. Returns how many rows went."""
    known_since = now - timedelta(days=current_app.config["LOGIN_KNOWN_CLIENT_DAYS"])
    return db.session.execute(
        delete(LoginAttempt).where(
            or_(
                and_(LoginAttempt.succeeded.is_(False), LoginAttempt.at <= now - window()),
                and_(LoginAttempt.succeeded.is_(True), LoginAttempt.at <= known_since),
            )
        )
    ).rowcount


def held_up_users(now: datetime) -> list[User]:
    """Active accounts with a client that must wait before its next try (passwords or codes),
    by username: the administrators' home lists them to clear."""
    keys = list(
        db.session.scalars(
            select(LoginAttempt.username)
            .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - window())
            .distinct()
        )
    )
    usernames = {key.removeprefix("2fa:") for key in waiting_usernames(keys, now)}
    if not usernames:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.username.in_(usernames), User.active.is_(True))
            .order_by(User.username)
        )
    )
