"""The care calendar (客户关怀): birthdays, purchase anniversaries, warranty and contract expiry,
and customers overdue for their usual next purchase become care tasks for their owner.

A care task is a callback task, so it is worked, retried, rescheduled and reported as any
callback. Each customer has one callback plan per kind of care (``CarePlan``, UNIQUE customer
and kind); each occasion is one task of it, due on a date computed from the occasion alone, and
UNIQUE (plan, date) makes every later run, in any number of processes, a no-op for it.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.callbacks.models import Cadence, CallbackPlan
from crm.callbacks.plans import add_tasks
from crm.customers.models import Customer, Purchase
from crm.database import insert_ignoring_duplicates, utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.timezones import department_today, department_zone
from crm.value.models import CARE_LABELS, DATED_KINDS, CareDate, CareKind, CarePlan

#: the task is due this many days before the occasion
LEAD_DAYS = {
    CareKind.BIRTHDAY: 0,
    CareKind.ANNIVERSARY: 0,
    CareKind.WARRANTY: 14,
    CareKind.CONTRACT: 30,
    CareKind.LAPSED: 0,
}
#: tasks are made for due dates from this many days back (a scheduler that was down catches
#: up) to this many days ahead (the owner sees what comes)
CATCH_UP_DAYS = 7
AHEAD_DAYS = 7
#: "usually buys every N days": the median gap of at least this many purchases...
LAPSE_MIN_PURCHASES = 3
#: ...and the occasion is this many times the gap after the last one
LAPSE_FACTOR = 1.5


def _on(day_of_year: date, year: int) -> date:
    """The date's month and day in ``year`` (29 February on the 28th in other years)."""
    try:
        return day_of_year.replace(year=year)
    except ValueError:
        return day_of_year.replace(year=year, day=28)


def _yearly(first: date, start: date, end: date, *, after_first: bool) -> Iterator[date]:
    for year in (start.year, end.year) if start.year != end.year else (start.year,):
        day = _on(first, year)
        if start <= day <= end and (not after_first or day > first):
            yield day


def occasions(today: date) -> Iterator[tuple[int, str, date]]:
    """(customer id, kind, due date) of every care occasion due in the window around today,
    for live customers with an owner."""
    start, end = today - timedelta(days=CATCH_UP_DAYS), today + timedelta(days=AHEAD_DAYS)
    owned = select(Customer.id).where(Customer.deleted_at.is_(None), Customer.owner_id.is_not(None))
    for customer_id, kind, on_date in db.session.execute(
        select(CareDate.customer_id, CareDate.kind, CareDate.on_date).where(
            CareDate.customer_id.in_(owned)
        )
    ):
        lead = timedelta(days=LEAD_DAYS[CareKind(kind)])
        if kind == CareKind.BIRTHDAY:
            for day in _yearly(on_date, start + lead, end + lead, after_first=False):
                yield customer_id, kind, day - lead
        elif start <= on_date - lead <= end:
            yield customer_id, kind, on_date - lead
    bought: dict[int, list[date]] = defaultdict(list)
    zone = department_zone()
    for customer_id, at in db.session.execute(
        select(Purchase.customer_id, Purchase.purchased_at)
        .where(Purchase.customer_id.in_(owned))
        .order_by(Purchase.customer_id, Purchase.purchased_at)
    ):
        bought[customer_id].append(at.astimezone(zone).date())
    for customer_id, days in bought.items():
        for day in _yearly(days[0], start, end, after_first=True):
            yield customer_id, CareKind.ANNIVERSARY.value, day
        if len(days) >= LAPSE_MIN_PURCHASES:
            gap = statistics.median((b - a).days for a, b in itertools.pairwise(days))
            if gap >= 1:
                due = days[-1] + timedelta(days=math.ceil(gap * LAPSE_FACTOR))
                if start <= due <= end:
                    yield customer_id, CareKind.LAPSED.value, due


class _MadeElsewhere(Exception):
    """Another scheduler made the care plan first: undo ours (the savepoint) and use theirs."""


def care_plan(customer: Customer, kind: str, today: date) -> CallbackPlan:
    """The customer's callback plan for this kind of care, made the first time it is needed;
    of two schedulers making it at once, the second finds the first's."""
    found = db.session.scalar(
        select(CallbackPlan)
        .join(CarePlan, CarePlan.plan_id == CallbackPlan.id)
        .where(CarePlan.customer_id == customer.id, CarePlan.kind == kind)
    )
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            plan = CallbackPlan(
                customer_id=customer.id,
                purpose=f"{_l('Customer care')}: {CARE_LABELS[CareKind(kind)]}",
                cadence=Cadence.ONCE.value,
                start_date=today,
                end_date=None,
                assignee_id=customer.owner_id,
                created_by_id=customer.owner_id,
                # Never extended by generate_tasks: care tasks come from occasions.
                active=False,
                generated_until=today,
            )
            db.session.add(plan)
            db.session.flush()
            if not insert_ignoring_duplicates(
                db.session,
                CarePlan,
                [{"customer_id": customer.id, "kind": kind, "plan_id": plan.id}],
            ):
                raise _MadeElsewhere
    except _MadeElsewhere:
        return care_plan(customer, kind, today)
    return plan


def make_care_tasks(now: datetime) -> int:
    """The scheduler's job: a care task per occasion due around today, each exactly once."""
    today = department_today(now)
    made = 0
    for customer_id, kind, due in occasions(today):
        customer = db.session.get(Customer, customer_id)
        plan = care_plan(customer, kind, today)
        if plan.assignee_id != customer.owner_id:
            # The owner changed: new tasks go to the new owner.
            plan.assignee_id = customer.owner_id
            db.session.flush()
        made += add_tasks(plan, [due])
    return made


def set_care_date(*, actor: User, customer: Customer, kind: str, on_date: date | None) -> None:
    """Set (or with None, clear) a customer's birthday, warranty or contract expiry.

    :raises PermissionDenied: unless the actor edits customers.
    :raises DomainError: for an unknown kind or a birthday in the future.
    """
    if not actor.can(Permission.CUSTOMERS_EDIT):
        raise PermissionDenied(_l("You may not change this customer."))
    if kind not in {k.value for k in DATED_KINDS}:
        raise DomainError(_l("Choose a kind of date from the list."), field="kind")
    if kind == CareKind.BIRTHDAY and on_date is not None and on_date > department_today(utcnow()):
        raise DomainError(_l("A birthday cannot be in the future."), field="on_date")
    existing = db.session.scalar(
        select(CareDate).where(CareDate.customer_id == customer.id, CareDate.kind == kind)
    )
    if on_date is None:
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(CareDate(customer_id=customer.id, kind=kind, on_date=on_date))
    else:
        existing.on_date = on_date
    db.session.flush()
    # The date itself is personal data: the log says what kind changed, not to what.
    record(
        action=AuditAction.CARE_DATE_CHANGED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"kind": kind, "set": on_date is not None},
    )


def care_dates_of(customer: Customer) -> dict[str, date]:
    return dict(
        db.session.execute(
            select(CareDate.kind, CareDate.on_date).where(CareDate.customer_id == customer.id)
        ).all()
    )
