"""Test data builders: plain functions with keyword overrides; call inside an app context."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from crm.auth.models import User
from crm.auth.services import create_user
from crm.callbacks.models import CallbackPlan, CallbackTask
from crm.callbacks.plans import add_tasks, create_plan
from crm.customers.models import Customer
from crm.customers.services import ProfileInput, create_customer
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.interactions.services import log_interaction
from crm.notifications.models import Notification
from crm.notifications.services import notify
from crm.timezones import department_today
from crm.training.models import TrainingSession
from crm.training.services import create_session
from crm.value.models import OfferRule
from crm.value.offers import save_rule

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


def make_plan(*, actor: User, customer: Customer, assignee: User, **overrides: Any) -> CallbackPlan:
    fields: dict[str, Any] = {
        "purpose": "季度回访",
        "cadence": "monthly",
        "day_of_month": 1,
        "start_date": date(2026, 1, 1),
    }
    fields.update(overrides)
    return create_plan(actor=actor, customer=customer, assignee=assignee, **fields)


def make_offer_rule(*, actor: User, **overrides: Any) -> OfferRule:
    """A new offer rule for the churn-risk segment, with no control group."""
    fields: dict[str, Any] = {
        "name": "回购",
        "segment": "churn_risk",
        "min_days_since_purchase": 0,
        "text": "立减",
        "code": "BACK",
        "valid_days": 30,
        "control_percent": 0,
    }
    fields.update(overrides)
    return save_rule(actor=actor, rule=None, **fields)


def make_task(plan: CallbackPlan, due: date | None = None) -> CallbackTask:
    """An open task of ``plan`` due on ``due`` (the department's today by default), as the
    scheduler makes it."""
    due = due or department_today(utcnow())
    add_tasks(plan, [due])
    return db.session.scalar(
        select(CallbackTask).where(CallbackTask.plan_id == plan.id, CallbackTask.due_date == due)
    )


def notify_user(user: User) -> int:
    """A notification for ``user``; returns its id."""
    notify(
        [
            {
                "user_id": user.id,
                "kind": "callback.due",
                "subject_type": "callback_task",
                "subject_id": 0,
                "payload": {"customer": "张三", "date": "2026-01-01", "agent": user.display_name},
            }
        ]
    )
    return db.session.scalar(select(Notification.id).where(Notification.user_id == user.id))


def make_session(*, actor: User, invited: list[User], **overrides: Any) -> TrainingSession:
    """A session run by ``actor`` (a trainer) on 2 March 2026, max 100, pass mark 60."""
    fields: dict[str, Any] = {
        "title": "投诉处理技巧",
        "kind": "in_service",
        "trainer": actor,
        "starts_at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        "duration_minutes": 120,
        "month": date(2026, 3, 1),
        "topics": [],
    }
    fields.update(overrides)
    return create_session(actor=actor, invited=invited, **fields)
