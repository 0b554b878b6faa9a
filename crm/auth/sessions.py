"""Signed-in sessions: a fresh session at login, and the idle and absolute time limits."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.extensions import db, login_manager

_SIGNED_IN_AT = "signed_in_at"
_SEEN_AT = "seen_at"
#: seconds between renewals of the idle mark
_SEEN_RESOLUTION = 60
#: the signed-in user with their roles, which every permission check reads: built once, as
#: ``session.get`` builds its statement again on every request (~0.2 ms of CPU each)
_SIGNED_IN = select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Accept a session only while its token matches the user's current one: logout, a password
    change or a deactivation replaces the token and so ends every copy of the cookie."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.execute(_SIGNED_IN, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def signed_in_user() -> User:
    """The real User behind ``current_user`` (services and Flask-Login want the object, not the
    proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def start_session(user: User) -> None:
    """Sign ``user`` in on a brand-new session (nothing from before the login survives)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session.permanent = True
    login_user(user)
    now = int(time.time())
    session[_SIGNED_IN_AT] = now
    session[_SEEN_AT] = now


def refresh_session(user: User) -> None:
    """Re-issue the cookie after the user's session token changed (own password change), keeping
    this browser signed in while every other session ends."""
    signed_in_at = session.get(_SIGNED_IN_AT, int(time.time()))
    login_user(user)
    session[_SIGNED_IN_AT] = signed_in_at


def end_session() -> None:
    """Sign out here and everywhere else this user is signed in; the page language stays."""
    locale = None
    if current_user.is_authenticated:
        locale = current_user.locale
        current_user.revoke_sessions()
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


def session_expired(*, activity: bool = True) -> bool:
    """True when the signed-in session is past its idle or absolute limit; otherwise marks it
    as seen now, if the request is the user's ``activity`` (not a page polling by itself).

    The mark is renewed at most once every ``_SEEN_RESOLUTION`` seconds: renewing it on every
    request would re-sign and re-send the cookie with every answer, and the idle limit is
    counted in minutes.
    """
    config = current_app.config
    now = int(time.time())
    signed_in_at = session.get(_SIGNED_IN_AT, 0)
    seen_at = session.get(_SEEN_AT, 0)
    if now - signed_in_at > config["SESSION_MAX_HOURS"] * 3600:
        return True
    if now - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return True
    if activity and now - seen_at >= _SEEN_RESOLUTION:
        session[_SEEN_AT] = now
    return False
