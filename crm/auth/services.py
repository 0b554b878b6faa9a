"""Account rules: creating and changing users, passwords and preferences (signing in:
``signin.py``).

Functions flush; the view or command that called them commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import func, select

from config import SUPPORTED_LOCALES
from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.passwords import check_password_policy
from crm.auth.permissions import Role
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.security import (
    generate_password,
    hash_password,
    verify_password,
)

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def _clean_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted({Role(role).value for role in roles})
    if not chosen:
        raise DomainError(_l("Choose at least one role."), field="roles")
    return chosen


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    return email or None


def create_user(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    roles: Iterable[str],
    email: str | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Create an account; without ``password`` a random one is generated.

    :param actor: the admin creating it, or None from the command line.
    :returns: the user and the password, to be shown once and never stored in clear.
    :raises DomainError: for a malformed or taken username, a weak password, or no role.
    """
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise DomainError(
            _l("Use 3 to 64 lower-case letters, digits, dots, dashes or underscores."),
            field="username",
        )
    if db.session.scalar(select(func.count()).where(User.username == name)):
        raise DomainError(_l("This username is already taken."), field="username")
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(
            _l("Enter the name colleagues know this person by."), field="display_name"
        )
    chosen_roles = _clean_roles(roles)
    password = password or generate_password()
    check_password_policy(password, username=name)

    config = current_app.config
    user = User(
        username=name,
        display_name=display_name,
        email=_clean_email(email),
        password_hash=hash_password(password),
        locale=config["BABEL_DEFAULT_LOCALE"],
        timezone=config["BABEL_DEFAULT_TIMEZONE"],
        role_rows=[UserRole(role=role) for role in chosen_roles],
    )
    db.session.add(user)
    db.session.flush()
    record(
        action=AuditAction.USER_CREATED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"username": name, "display_name": display_name, "roles": chosen_roles},
    )
    return user, password


def _guard_self_lockout(actor: User, user: User, *, roles: list[str], active: bool) -> None:
    if actor.id != user.id:
        return
    if not active:
        raise PermissionDenied(_l("You cannot deactivate your own account."))
    if Role.ADMIN.value not in roles:
        raise PermissionDenied(_l("You cannot remove your own administrator role."), field="roles")


def update_user(
    *,
    actor: User,
    user: User,
    display_name: str,
    email: str | None,
    roles: Iterable[str],
) -> dict[str, list[object]]:
    """Change a user's name, e-mail and roles, auditing each changed field.

    :returns: the changes as ``{"field": [old, new]}`` (empty when nothing changed).
    :raises PermissionDenied: when an admin would remove their own admin role.
    """
    display_name = display_name.strip()
    if not display_name:
        raise DomainError(
            _l("Enter the name colleagues know this person by."), field="display_name"
        )
    new_roles = _clean_roles(roles)
    _guard_self_lockout(actor, user, roles=new_roles, active=user.active)

    changes: dict[str, list[object]] = {}
    new_email = _clean_email(email)
    if user.display_name != display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name
    if user.email != new_email:
        changes["email"] = [user.email, new_email]
        user.email = new_email
    old_roles = sorted(user.roles)
    if old_roles != new_roles:
        changes["roles"] = [old_roles, new_roles]
        kept = [row for row in user.role_rows if row.role in new_roles]
        user.role_rows = kept + [UserRole(role=role) for role in new_roles if role not in old_roles]
        # A role taken away must not linger in a session that was granted it.
        user.revoke_sessions()
    if changes:
        record(
            action=AuditAction.USER_UPDATED,
            actor=actor,
            object_type="user",
            object_id=user.id,
            details=changes,
        )
    return changes


def set_active(*, actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account; accounts are never deleted.

    :raises PermissionDenied: when an admin would deactivate themselves.
    """
    _guard_self_lockout(actor, user, roles=sorted(user.roles), active=active)
    if user.active == active:
        return
    user.active = active
    if not active:
        user.revoke_sessions()
    record(
        action=AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        details={"active": [not active, active]},
    )


def reset_password(*, actor: User, user: User) -> str:
    """Give ``user`` a new random password and end their sessions.

    :returns: the new password, to be handed over once.
    """
    password = generate_password()
    _set_password(user, password)
    record(
        action=AuditAction.USER_PASSWORD_RESET, actor=actor, object_type="user", object_id=user.id
    )
    return password


def change_own_password(*, user: User, current_password: str, new_password: str) -> None:
    """Replace the user's password, ending every other session of theirs.

    :raises DomainError: for a wrong current password or a weak new one.
    """
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    if current_password == new_password:
        raise DomainError(
            _l("The new password must differ from the current one."), field="password"
        )
    check_password_policy(new_password, username=user.username)
    _set_password(user, new_password)
    record(action=AuditAction.PASSWORD_CHANGED, actor=user, object_type="user", object_id=user.id)


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.revoke_sessions()


def set_preferences(*, user: User, locale: str, timezone: str) -> None:
    """Store the user's UI language and time zone.

    :raises DomainError: for an unsupported language or an unknown time zone.
    """
    if locale not in SUPPORTED_LOCALES:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(_l("Choose a time zone from the list."), field="timezone") from None
    changes: dict[str, list[object]] = {}
    if user.locale != locale:
        changes["locale"] = [user.locale, locale]
        user.locale = locale
    if user.timezone != timezone:
        changes["timezone"] = [user.timezone, timezone]
        user.timezone = timezone
    if changes:
        record(
            action=AuditAction.PREFERENCES_CHANGED,
            actor=user,
            object_type="user",
            object_id=user.id,
            details=changes,
        )
