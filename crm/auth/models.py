"""Accounts, their roles, and the login attempts that throttling counts."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from config import SUPPORTED_LOCALES
from crm.auth.permissions import Permission, Role, permissions_for
from crm.database import UTCDateTime, utcnow
from crm.extensions import db


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(column("locale").in_(SUPPORTED_LOCALES), name="locale_supported"),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the login name, lower-case and unique
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: the name colleagues know, shown across the UI (e.g. 王芳)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    #: argon2 hash; the password itself is never stored
    password_hash: Mapped[str] = mapped_column(String(255))
    #: deactivated users cannot log in; users are never deleted, so history keeps its authors
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: UI language, one of config.SUPPORTED_LOCALES
    locale: Mapped[str] = mapped_column(String(16))
    #: IANA zone the user reads times in
    timezone: Mapped[str] = mapped_column(String(64))
    #: part of every session cookie; replacing it ends every session of the user
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: base32 TOTP secret; while ``totp_enabled_at`` is empty it is an enrolment not yet confirmed
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: when two-factor sign-in was switched on; None: off
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last 30-second time step whose code was accepted; a code is never accepted twice
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login's name
        return self.active

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    def can(self, permission: Permission) -> bool:
        return permission in permissions_for(self.roles)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def revoke_sessions(self) -> None:
        """End every session of this user, on every device."""
        self.session_token = new_session_token()


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(column("role").in_([role.value for role in Role]), name="role_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: one of auth.permissions.Role
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginAttempt(db.Model):
    """One password check; throttling counts the recent failures per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the name typed, lower-cased, whether or not such a user exists
    username: Mapped[str] = mapped_column(String(64))
    #: client IP address (after the trusted proxies)
    address: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (a lost phone); only its
    SHA-256 is kept: enough for a random 40-bit code that sign-in throttling guards."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
