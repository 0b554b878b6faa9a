"""The password policy: long enough, not trivially repetitive, not the username, and not one
of the 30,000 most common passwords (zxcvbn's list, from leaked password sets; read locally,
no network)."""

from __future__ import annotations

import string
from functools import cache

from flask import current_app

from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

#: stripped from the end before the list look-up, so "Password2026!" counts as "password"
_DECORATION = string.digits + string.punctuation + " "


@cache
def _common_passwords() -> frozenset[str]:
    # Loaded on first use: the module holds several word lists (about 14 MB) that only a
    # password change needs.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """Whether ``password``, ignoring case and trailing digits and symbols, is on the list of
    common passwords."""
    lowered = password.lower()
    common = _common_passwords()
    return lowered in common or lowered.rstrip(_DECORATION) in common


def check_password_policy(password: str, *, username: str) -> None:
    """:raises DomainError: (field ``password``) when the password is too weak."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise DomainError(
            _l("The password must have at least %(n)d characters.", n=minimum), field="password"
        )
    if len(set(password)) < 4 or username.strip().lower() in password.lower():
        raise DomainError(
            _l("The password is too easy to guess; avoid your username and repeated characters."),
            field="password",
        )
    if is_common(password):
        raise DomainError(
            _l("This password is one of the most common ones; choose another."),
            field="password",
        )
