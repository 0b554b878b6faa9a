"""Bulk callback plans for the key accounts of a region: a preview of who calls whom on which
days, then the same plans created on confirmation.

Functions flush; the caller commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.callbacks.cadence import occurrences
from crm.callbacks.models import Cadence, CallbackPlan
from crm.callbacks.plans import create_plan, rule_of
from crm.customers.models import Customer, Tier
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.workdays import DayRule, calendar_covers, working_day_rule, working_days_in_month

#: the highest "Nth working day" a plan accepts (see services._validate)
MAX_WORKDAY = 23
#: how many calls of each plan the preview lists
PREVIEW_CALLS = 3


@dataclass(frozen=True)
class PlannedRow:
    customer: Customer
    agent: User
    #: the plan's Nth working day of each month
    workday: int
    #: the plan's first calls: the first one in the start month, then monthly
    calls: list[date]

    @property
    def first_call(self) -> date:
        return self.calls[0]


@dataclass(frozen=True)
class BulkPreview:
    rows: list[PlannedRow]
    start_date: date
    #: years the preview reaches that the Chinese holiday calendar does not know yet (their
    #: working days are Monday to Friday with the holiday table only)
    unknown_years: list[int]

    @property
    def fingerprint(self) -> str:
        """Stands for the rows, so that a confirmation creates what was previewed or nothing."""
        rows = ";".join(f"{r.customer.id}:{r.agent.id}:{r.workday}" for r in self.rows)
        return hashlib.sha256(f"{self.start_date}|{rows}".encode()).hexdigest()[:16]


def key_account_regions() -> list[tuple[str, int]]:
    """Regions with key accounts not yet planned, and how many, for the region picker."""
    rows = db.session.execute(
        select(Customer.region, func.count())
        .where(
            Customer.tier == Tier.KEY.value,
            Customer.deleted_at.is_(None),
            Customer.region.is_not(None),
            Customer.region != "",
            Customer.id.not_in(
                select(CallbackPlan.customer_id).where(CallbackPlan.active.is_(True))
            ),
        )
        .group_by(Customer.region)
        .order_by(Customer.region)
    ).all()
    return [(region, count) for region, count in rows]


def _customers(region: str | None) -> list[Customer]:
    """Live key accounts (in ``region`` when given) without an active plan."""
    planned = select(CallbackPlan.customer_id).where(CallbackPlan.active.is_(True))
    query = select(Customer).where(
        Customer.tier == Tier.KEY.value,
        Customer.deleted_at.is_(None),
        Customer.id.not_in(planned),
    )
    if region:
        query = query.where(Customer.region == region)
    return list(db.session.scalars(query.order_by(Customer.id)))


def _slots(start: date, is_open: DayRule) -> tuple[date, list[date], list[date]]:
    """The month's working days and those from ``start`` on; a month with none left starts
    over on the 1st of the next."""
    while True:
        month_days = working_days_in_month(start.year, start.month, is_open)
        left = [day for day in month_days if day >= start]
        if left:
            return start, month_days, left
        start = date(start.year + start.month // 12, start.month % 12 + 1, 1)


def preview_bulk_plans(
    *, actor: User, region: str | None, agents: Sequence[User], start_date: date
) -> BulkPreview:
    """Who would call which key account on which days; nothing is written.

    The accounts are spread evenly over the working days left in the start month (holidays and
    调休 included, see :func:`crm.workdays.working_day_rule`) and shared round-robin; each plan
    then calls on the same Nth working day every month.

    :raises PermissionDenied: unless the actor plans callbacks.
    :raises DomainError: without agents.
    """
    if not actor.can(Permission.CALLBACKS_PLAN):
        raise PermissionDenied(_l("Only supervisors plan callbacks."))
    if not agents:
        raise DomainError(_l("Choose at least one agent."), field="agents")
    customers = _customers(region)
    is_open = working_day_rule()
    start, month_days, left = _slots(start_date, is_open)
    rows = []
    for index, customer in enumerate(customers):
        slot = left[(index * len(left)) // len(customers)]
        workday = min(month_days.index(slot) + 1, MAX_WORKDAY)
        plan = CallbackPlan(
            cadence=Cadence.MONTHLY_WORKDAY.value,
            start_date=start,
            day_of_month=workday,
            interval_weeks=1,
        )
        calls = occurrences(rule_of(plan, is_open), after=None, until=date(start.year + 1, 12, 31))
        rows.append(
            PlannedRow(customer, agents[index % len(agents)], workday, calls[:PREVIEW_CALLS])
        )
    last = max((row.calls[-1] for row in rows), default=start)
    years = range(start.year, last.year + 1)
    unknown = []
    if current_app.config["CHINESE_HOLIDAYS"]:
        unknown = [year for year in years if not calendar_covers(year)]
    return BulkPreview(rows=rows, start_date=start, unknown_years=unknown)


def bulk_create_plans(
    *,
    actor: User,
    region: str | None,
    agents: Sequence[User],
    purpose: str,
    start_date: date,
    script: str | None = None,
    previewed: str | None = None,
) -> list[CallbackPlan]:
    """Create the plans :func:`preview_bulk_plans` shows: monthly on the Nth working day, for
    every live key account (in ``region`` when given) without an active plan.

    :param previewed: the fingerprint of the preview the actor confirmed; when the accounts
        or the calendar changed since, nothing is created.
    :raises PermissionDenied, DomainError: as :func:`preview_bulk_plans` and
        :func:`crm.callbacks.services.create_plan`; DomainError when the preview is stale.
    """
    preview = preview_bulk_plans(actor=actor, region=region, agents=agents, start_date=start_date)
    if previewed is not None and previewed != preview.fingerprint:
        raise DomainError(_l("The plans changed since the preview; check them again."))
    return [
        create_plan(
            actor=actor,
            customer=row.customer,
            purpose=purpose,
            script=script,
            cadence=Cadence.MONTHLY_WORKDAY,
            day_of_month=row.workday,
            start_date=preview.start_date,
            assignee=row.agent,
        )
        for row in preview.rows
    ]
