"""Two-factor sign-in: TOTP (any authenticator app, enrolled with a QR code) and one-time
recovery codes. Required for administrators and supervisors when CRM_REQUIRE_2FA is on.

Functions flush; the view that called them commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select

from crm.audit.services import AuditAction, record
from crm.auth.models import RecoveryCode, User
from crm.auth.permissions import Permission, Role
from crm.auth.throttle import Throttle, begin_attempt, succeed
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.security import verify_password

ISSUER = "Service CRM"
RECOVERY_CODE_COUNT = 10
#: roles that must use two-factor sign-in while CRM_REQUIRE_2FA is on
ROLES_REQUIRING_2FA = frozenset({Role.ADMIN.value, Role.SUPERVISOR.value})
#: codes of the previous and the next 30-second step are accepted too (clock drift)
DRIFT_STEPS = 1


class WrongCode(DomainError):
    pass


class SecondFactorThrottled(DomainError):
    def __init__(self, throttle: Throttle) -> None:
        super().__init__(_l("Too many wrong codes. Please wait and try again."))
        self.throttle = throttle


def _attempt_key(user: User) -> str:
    # Second-factor failures are counted apart from password ones: a correct password must not
    # reset the count of wrong codes.
    return f"2fa:{user.username}"[:64]


def required_for(user: User) -> bool:
    return bool(current_app.config["REQUIRE_2FA"]) and bool(user.roles & ROLES_REQUIRING_2FA)


def must_enrol(user: User) -> bool:
    return required_for(user) and not user.two_factor_enabled


def begin_enrolment(user: User) -> str:
    """A new secret for the user's authenticator app, kept unconfirmed until a code proves the
    app has it. Returns the secret."""
    if user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is already on."))
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(user: User) -> str:
    """The enrolment QR code as inline SVG (nothing leaves the server)."""
    return segno.make(provisioning_uri(user), error="m").svg_inline(scale=5, title=ISSUER)


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    raw = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    codes = [f"{code[:5]}-{code[5:]}" for code in raw]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    db.session.flush()
    return codes


def _accept_totp(user: User, code: str, now: datetime) -> bool:
    """True when ``code`` is the app's code for now (give or take DRIFT_STEPS) and newer than
    the last one accepted; that step is then used up."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6 or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current_step = int(now.timestamp()) // totp.interval
    for step in range(current_step - DRIFT_STEPS, current_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(*, user: User, code: str, now: datetime) -> list[str]:
    """Switch two-factor sign-in on once the app's first code is right; returns the recovery
    codes, to be shown this once.

    :raises WrongCode: (field ``code``) when the code does not match.
    """
    if user.two_factor_enabled or not user.totp_secret:
        raise DomainError(_l("Start the set-up again."))
    if not _accept_totp(user, code, now):
        raise WrongCode(
            _l("That code is not right. Check the app's clock and try the newest code."),
            field="code",
        )
    user.totp_enabled_at = now
    codes = _new_recovery_codes(user)
    record(action=AuditAction.TWO_FACTOR_ENABLED, actor=user, object_type="user", object_id=user.id)
    return codes


def check_second_factor(*, user: User, code: str, address: str, now: datetime) -> str:
    """Check the second step of a sign-in: an app code or an unused recovery code. Counted and
    throttled like passwords. Returns "totp" or "recovery".

    :raises SecondFactorThrottled: after too many wrong codes; the code is then not checked.
    :raises WrongCode: for a wrong, reused or used-up code.
    """
    key = _attempt_key(user)
    attempt, throttle = begin_attempt(username=key, address=address, now=now)
    if throttle is not None:
        raise SecondFactorThrottled(throttle)
    method = None
    if _accept_totp(user, code, now):
        method = "totp"
    else:
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_code(code),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = now
            method = "recovery"
    if method is None:
        record(
            action=AuditAction.TWO_FACTOR_FAILED, actor=None, object_type="user", object_id=user.id
        )
        raise WrongCode(_l("That code is not right."), field="code")
    succeed(attempt)
    if method == "recovery":
        record(
            action=AuditAction.RECOVERY_CODE_USED, actor=user, object_type="user", object_id=user.id
        )
    db.session.flush()
    return method


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def regenerate_recovery_codes(*, user: User, code: str, now: datetime) -> list[str]:
    """New recovery codes in place of the old ones, after a current app code.

    :raises WrongCode: (field ``code``).
    """
    if not user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is off."))
    if not _accept_totp(user, code, now):
        raise WrongCode(_l("That code is not right."), field="code")
    codes = _new_recovery_codes(user)
    record(
        action=AuditAction.RECOVERY_CODES_RENEWED, actor=user, object_type="user", object_id=user.id
    )
    return codes


def disable(*, user: User, password: str, code: str, now: datetime) -> None:
    """Switch one's own two-factor sign-in off, with the password and a current code.

    :raises DomainError: when the user's role requires it, or the password or code is wrong.
    """
    if required_for(user):
        raise DomainError(_l("Your role requires two-factor sign-in; it cannot be switched off."))
    if not verify_password(user.password_hash, password):
        raise DomainError(_l("The password is not right."), field="password")
    if not _accept_totp(user, code, now):
        raise WrongCode(_l("That code is not right."), field="code")
    _switch_off(user)
    record(
        action=AuditAction.TWO_FACTOR_DISABLED, actor=user, object_type="user", object_id=user.id
    )


def reset_for(*, actor: User, user: User) -> None:
    """An administrator switches another user's two-factor sign-in off (a lost phone and no
    recovery code left); the user enrols again at the next sign-in if their role requires it.
    Every session of the user ends."""
    if not actor.can(Permission.USERS_MANAGE):
        raise PermissionDenied(_l("Only administrators reset two-factor sign-in."))
    _switch_off(user)
    user.revoke_sessions()
    record(action=AuditAction.TWO_FACTOR_RESET, actor=actor, object_type="user", object_id=user.id)


def _switch_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
