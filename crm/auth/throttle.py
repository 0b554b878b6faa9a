"""Failed-login throttling, per account and per client address, counted in the database so that
every worker and host sees the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import LoginAttempt
from crm.extensions import db


@dataclass(frozen=True)
class Throttle:
    """Sign-in is refused until ``until``."""

    until: datetime

    def retry_after_seconds(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds()) + 1)


def _blocked_until(failures: list[datetime], limit: int, window: timedelta) -> datetime | None:
    """With ``failures`` newest first, the block lasts until the ``limit``-th newest one leaves
    the window, which is when fewer than ``limit`` remain inside it."""
    if len(failures) < limit:
        return None
    return failures[limit - 1] + window


def check_throttle(*, username: str, address: str, now: datetime) -> Throttle | None:
    """The throttle in force for this account or address, or None when sign-in may proceed.

    Account failures count only since the account's last successful sign-in, so a user who
    finally gets it right starts from zero.
    """
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    since = now - window

    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    account_since = max(since, last_success) if last_success else since
    account_failures = db.session.scalars(
        select(LoginAttempt.at)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > account_since,
        )
        .order_by(LoginAttempt.at.desc())
        .limit(config["LOGIN_MAX_FAILURES"])
    ).all()
    address_failures = db.session.scalars(
        select(LoginAttempt.at)
        .where(
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
        )
        .order_by(LoginAttempt.at.desc())
        .limit(config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    ).all()

    candidates = [
        until
        for until in (
            _blocked_until(list(account_failures), config["LOGIN_MAX_FAILURES"], window),
            _blocked_until(
                list(address_failures), config["LOGIN_MAX_FAILURES_PER_ADDRESS"], window
            ),
        )
        if until is not None and until > now
    ]
    return Throttle(until=max(candidates)) if candidates else None


def record_attempt(*, username: str, address: str, succeeded: bool, now: datetime) -> None:
    db.session.add(LoginAttempt(username=username, address=address, succeeded=succeeded, at=now))
    db.session.flush()
