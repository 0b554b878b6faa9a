"""Failed-login throttling, counted in the database so that every worker and host sees the
same figures.

A failure slows down the client that made it, never the account's owner elsewhere:

* per (account, client address): after ``LOGIN_MAX_FAILURES`` failures since that client's
  last success, each further try waits ``LOGIN_BACKOFF_SECONDS``, doubling with every failure,
  up to ``LOGIN_BACKOFF_MAX_MINUTES`` after the newest failure;
* per client address, over all accounts: the same after ``LOGIN_MAX_FAILURES_PER_ADDRESS``
  (a password-spraying client);
* per account, from every client: the same after ``LOGIN_MAX_FAILURES_PER_ACCOUNT`` (guessing
  spread over many addresses).

The last two apply only to clients that have not signed in to the account within
``LOGIN_KNOWN_CLIENT_DAYS``: a known-good client (an agent's desk behind the office's one NAT
address) is held up by its own failures on the account only, never by colleagues' typos or by
an attacker elsewhere. A new client may have to wait out a campaign against the account; an
administrator can clear it (:mod:`crm.auth.lockout`).

Failures are remembered for ``LOGIN_WINDOW_MINUTES``; the scheduler prunes older ones. The
attempt is recorded *before* the password is checked and the count then excludes only itself,
with concurrent attempts on the same account or address serialised (SQLite's single writer, a
PostgreSQL advisory lock), so a burst gets exactly the limit through.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, text

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction, record
from crm.auth.models import LoginAttempt
from crm.extensions import db

#: which rule refused the attempt; throttled attempts are audited once per scope key and window
SCOPE_CLIENT = "account_address"
SCOPE_ADDRESS = "address"
SCOPE_ACCOUNT = "account"
#: the first half of this module's PostgreSQL advisory lock keys (an arbitrary constant)
SIGN_IN_LOCK_SPACE = 190_003


@dataclass(frozen=True)
class Throttle:
    """Sign-in is refused until ``until``, by the rule named ``scope``."""

    until: datetime
    scope: str = SCOPE_CLIENT

    def retry_after_seconds(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds()) + 1)


def window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def backoff_until(failures: int, newest: datetime | None, limit: int) -> datetime | None:
    """When a client with ``failures`` remembered failures (the newest at ``newest``) may try
    again, or None when it is below ``limit``: the wait doubles with each failure past it."""
    if failures < limit or newest is None:
        return None
    config = current_app.config
    cap = config["LOGIN_BACKOFF_MAX_MINUTES"] * 60
    seconds = min(cap, config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(failures - limit, 30))
    return newest + timedelta(seconds=seconds)


def _failures(*conditions: ColumnElement[bool], exclude: int) -> tuple[int, datetime | None]:
    count, newest = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.succeeded.is_(False), LoginAttempt.id != exclude, *conditions
        )
    ).one()
    return count, newest


def _last_success(*conditions: ColumnElement[bool]) -> datetime | None:
    return db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.succeeded.is_(True), *conditions)
    )


def _serialise(*keys: str) -> None:
    """Make concurrent attempts on the same account or address take turns until they commit.
    SQLite has one writer at a time already (the attempt's INSERT takes the lock)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(keys):
        # The two-int form keeps these locks apart from the scheduler's one-bigint leader lock.
        signed = zlib.crc32(key.encode()) - 2**31
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:key AS integer))"),
            {"space": SIGN_IN_LOCK_SPACE, "key": signed},
        )


def begin_attempt(
    *, username: str, address: str, now: datetime
) -> tuple[LoginAttempt, Throttle | None]:
    """Record an attempt (as a failure until :func:`succeed` says otherwise) and say whether it
    is throttled. A throttled attempt is removed again: it checked nothing, so it counts nothing.
    """
    _serialise(f"account:{username}", f"address:{address}")
    attempt = LoginAttempt(username=username, address=address, succeeded=False, at=now)
    db.session.add(attempt)
    db.session.flush()
    throttle = _throttle_for(attempt, now)
    if throttle is not None:
        db.session.delete(attempt)
        db.session.flush()
    return attempt, throttle


def _throttle_for(attempt: LoginAttempt, now: datetime) -> Throttle | None:
    config = current_app.config
    since = now - window()
    name = LoginAttempt.username == attempt.username
    address = LoginAttempt.address == attempt.address
    recent = LoginAttempt.at > since
    known_since = now - timedelta(days=config["LOGIN_KNOWN_CLIENT_DAYS"])
    # A client that signed in to this account lately is known-good: only its own failures on
    # the account hold it up, and they count from that success on.
    last_success = _last_success(name, address, LoginAttempt.at > known_since)
    candidates: list[Throttle] = []

    client_since = LoginAttempt.at > max(since, last_success) if last_success else recent
    count, newest = _failures(name, address, client_since, exclude=attempt.id)
    until = backoff_until(count, newest, config["LOGIN_MAX_FAILURES"])
    if until is not None:
        candidates.append(Throttle(until, SCOPE_CLIENT))

    if last_success is None:
        count, newest = _failures(address, recent, exclude=attempt.id)
        until = backoff_until(count, newest, config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
        if until is not None:
            candidates.append(Throttle(until, SCOPE_ADDRESS))

        count, newest = _failures(name, recent, exclude=attempt.id)
        until = backoff_until(count, newest, config["LOGIN_MAX_FAILURES_PER_ACCOUNT"])
        if until is not None:
            candidates.append(Throttle(until, SCOPE_ACCOUNT))

    in_force = [throttle for throttle in candidates if throttle.until > now]
    return max(in_force, key=lambda throttle: throttle.until) if in_force else None


def succeed(attempt: LoginAttempt) -> None:
    """Mark the attempt a success; older successes of the same client and account are dropped
    (the newest says all that "known client" needs)."""
    attempt.succeeded = True
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == attempt.username,
            LoginAttempt.address == attempt.address,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.id != attempt.id,
        )
    )
    db.session.flush()


def audit_throttled(
    *, throttle: Throttle, username: str, address: str, now: datetime, user_id: int | None
) -> None:
    """Write one LOGIN_THROTTLED entry per scope key and window: the audit log is append-only,
    so repeated refusals are not counted into an entry but simply not written again."""
    key = {
        SCOPE_CLIENT: f"{SCOPE_CLIENT}:{username}@{address}",
        SCOPE_ADDRESS: f"{SCOPE_ADDRESS}:{address}",
        SCOPE_ACCOUNT: f"{SCOPE_ACCOUNT}:{username}",
    }[throttle.scope]
    written = db.session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.action == AuditAction.LOGIN_THROTTLED.value,
            AuditEntry.at > now - window(),
            AuditEntry.details["key"].as_string() == key,
        )
        .limit(1)
    )
    if written is not None:
        return
    record(
        action=AuditAction.LOGIN_THROTTLED,
        actor=None,
        object_type="user" if user_id is not None else None,
        object_id=user_id,
        details={
            "key": key,
            "username": username,
            "address": address,
            "scope": throttle.scope,
            "until": throttle.until.isoformat(),
        },
    )
