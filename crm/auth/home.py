"""What accounts add to the administrators' home (``crm.core.home``): accounts held up by
failed sign-ins, the ones that should have two-factor sign-in, and the admin pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from crm.auth.lockout import held_up_users
from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.auth.queries import never_signed_in, without_two_factor
from crm.auth.two_factor import ROLES_REQUIRING_2FA
from crm.core.home import HomeSection, register_home_section
from crm.i18n import lazy_gettext as _l

#: items a list shows
HOME_ROWS = 8


@dataclass(frozen=True)
class AccountsToSee:
    held_up: list[User]
    without_two_factor: list[User]
    two_factor_required: bool
    never_signed_in: list[User]


def _accounts(_actor: User, now: datetime) -> AccountsToSee:
    return AccountsToSee(
        held_up_users(now),
        without_two_factor(tuple(Role(r) for r in sorted(ROLES_REQUIRING_2FA))),
        current_app.config["REQUIRE_2FA"],
        never_signed_in(HOME_ROWS),
    )


def register_home_sections(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_home_section(
        HomeSection(
            name="admin_accounts",
            title=_l("Accounts needing an administrator"),
            roles=frozenset({Role.ADMIN}),
            permission=Permission.USERS_MANAGE,
            rows=_accounts,
            template="auth/_home_accounts.html",
            order=10,
        )
    )
