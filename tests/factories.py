"""Test data builders: plain functions with keyword overrides; call inside an app context."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from crm.auth.models import User
from crm.auth.services import create_user
from crm.customers.models import Customer
from crm.customers.services import ProfileInput, create_customer
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.interactions.services import log_interaction

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


def make_customer(*, actor: User, **overrides: Any) -> Customer:
    """A flushed customer with a unique mobile number unless told otherwise."""
    number = next(_numbers)
    fields: dict[str, Any] = {"name": f"客户{number}", "phones": [f"1390000{number:04d}"]}
    managed = {key: overrides.pop(key) for key in ("tier", "owner_id") if key in overrides}
    fields.update(overrides)
    customer = create_customer(
        actor=actor, data=ProfileInput(**fields), allow_duplicate=True, **managed
    )
    db.session.flush()
    return customer


def make_interaction(*, customer: Customer, actor: User, **overrides: Any) -> Interaction:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "inquiry",
        "direction": "inbound",
        "summary": "咨询产品价格",
        "occurred_at": utcnow() - timedelta(hours=1),
    }
    fields.update(overrides)
    return log_interaction(actor=actor, customer=customer, **fields)
