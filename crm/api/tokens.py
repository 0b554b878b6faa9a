"""Making, revoking and checking personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from crm.api.models import ApiToken
from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _

TOKEN_PREFIX = "crm_"  # noqa: S105 - a marker, not a secret
#: last_used_at is written at most this often per token, so reads stay reads
TOUCH_EVERY = timedelta(minutes=5)
MAX_LIVE_TOKENS = 10


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def live_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(*, actor: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for ``actor``; the raw token is returned here and never again.

    :raises DomainError: without a name, or with too many live tokens.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(_("Name the token (at most 100 characters)."), field="name")
    if len(live_tokens(actor)) >= MAX_LIVE_TOKENS:
        raise DomainError(
            _("You have %(n)d tokens already; revoke one first.", n=MAX_LIVE_TOKENS),
            field="name",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id, name=name, token_hash=_hash(raw), prefix=raw[:10], created_at=now
    )
    db.session.add(token)
    db.session.flush()
    record(
        action=AuditAction.API_TOKEN_CREATED,
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        details={"name": name},
    )
    return token, raw


def revoke_token(*, actor: User, token: ApiToken, now: datetime) -> None:
    if token.user_id != actor.id:
        raise PermissionDenied(_("This is not your token."))
    if token.revoked_at is None:
        token.revoked_at = now
        record(
            action=AuditAction.API_TOKEN_REVOKED,
            actor=actor,
            object_type="api_token",
            object_id=token.id,
            details={"name": token.name},
        )
        db.session.flush()


def user_for_token(raw: str, now: datetime) -> User | None:
    """The active user a live token belongs to, or None; notes when the token was used (the
    caller commits)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash(raw), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        db.session.flush()
    return token.user
