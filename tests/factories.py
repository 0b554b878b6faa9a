"""Test data builders: plain functions with keyword overrides; call inside an app context."""

from __future__ import annotations

import itertools
from typing import Any

from crm.auth.models import User
from crm.auth.services import create_user
from crm.extensions import db

DEFAULT_PASSWORD = "correct-horse-42"
_numbers = itertools.count(1)


def make_user(**overrides: Any) -> User:
    """A committed user, loaded so that it stays readable after the app context ends: an agent
    named ``user<N>`` unless told otherwise."""
    number = next(_numbers)
    fields: dict[str, Any] = {
        "username": f"user{number}",
        "display_name": f"测试用户{number}",
        "roles": ["agent"],
        "password": DEFAULT_PASSWORD,
    }
    fields.update(overrides)
    user, _ = create_user(actor=None, **fields)
    db.session.commit()
    db.session.refresh(user)
    return user
