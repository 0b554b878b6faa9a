"""The phone system's call events: ringing pops the caller for the agent, answered measures
the speed of answer, ended logs the contact, missed owes the caller a callback.

Each (call, event) counts once (UNIQUE on ``call_events``): the phone system may send an event
again, or send them out of order, and the call ends up the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.callbacks.plans import add_one_off_task
from crm.cases.models import Department
from crm.cases.routing import pick_assignee
from crm.cases.supervisors import supervisors_of
from crm.channels.models import Call, CallEvent, CallEventKind
from crm.customers.models import Customer
from crm.customers.phones import normalise_phone
from crm.customers.search import customers_with_phone
from crm.database import insert_ignoring_duplicates
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import force_locale
from crm.i18n import gettext as _
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Category, Channel, Direction
from crm.interactions.services import log_interaction
from crm.notifications.services import notify
from crm.timezones import EARLIEST_DAY, department_zone

#: how far ahead of the server's clock an event may be dated (a phone system's clock drift)
FUTURE_LIMIT = timedelta(days=1)
#: the answer target of the service guides, measured from ringing
ANSWER_TARGET = timedelta(minutes=2)
MAX_URL = 500
#: how long a call from a number no single customer had waits to be given to its customer
WAITING_CALL_DAYS = 2


def _check(
    call_id: str, event: str, numbers: dict[str, str], at: datetime, url: str | None, now: datetime
) -> None:
    """:raises DomainError: naming the field at fault."""
    if event not in {e.value for e in CallEventKind}:
        raise DomainError(_l("Unknown event: ringing, answered, ended or missed."), field="event")
    if not 1 <= len(call_id) <= 100:
        raise DomainError(_l("The call id has 1 to 100 characters."), field="call_id")
    for field, number in numbers.items():
        if len(number) > 40:
            raise DomainError(_l("A phone number has at most 40 characters."), field=field)
    if at.tzinfo is None:
        raise DomainError(_l("Give the time with its zone, e.g. +08:00 or Z."), field="at")
    # The year is checked before converting: a zone offset near year 1 would overflow.
    if at.year < EARLIEST_DAY.year or at > now + FUTURE_LIMIT:
        raise DomainError(_l("The time is too far in the past or the future."), field="at")
    if url is not None and (
        len(url) > MAX_URL or not url.lower().startswith(("http://", "https://"))
    ):
        raise DomainError(
            _l("The recording link is an http(s) address of at most 500 characters."),
            field="recording_url",
        )


def find_agent(username: str | None) -> User | None:
    """The active user with this login; None for none (the event is kept without an agent)."""
    if not username:
        return None
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    return user if user is not None and user.active else None


def _caller(number: str) -> int | None:
    """The one customer with this number; none or several: None (a person links the call)."""
    try:
        e164 = normalise_phone(number)
    except DomainError:
        return None
    matches = customers_with_phone(e164, limit=2)
    return matches[0].id if len(matches) == 1 else None


def record_call_event(
    *,
    actor: User,
    call_id: str,
    event: str,
    from_number: str,
    to_number: str,
    agent: str | None,
    at: datetime,
    now: datetime,
    recording_url: str | None = None,
    duration_seconds: int | None = None,
) -> tuple[Call, bool]:
    """Record one event of a call, once.

    :param actor: the phone system's user (the API token's).
    :param agent: the login of the agent the phone system names; an unknown or deactivated
        one is kept in the event's payload and the call goes on without an agent.
    :returns: the call and whether the event was new (False: a repeat, nothing changed).
    :raises DomainError: naming the field at fault.
    """
    _check(call_id, event, {"from": from_number, "to": to_number}, at, recording_url, now)
    at = at.astimezone(UTC)
    payload: dict[str, Any] = {"from": from_number, "to": to_number, "agent": agent}
    if recording_url:
        payload["recording_url"] = recording_url
    if duration_seconds is not None:
        payload["duration_seconds"] = duration_seconds
    new = insert_ignoring_duplicates(
        db.session,
        CallEvent,
        [{"call_id": call_id, "event": event, "at": at, "received_at": now, "payload": payload}],
    )
    if new:
        insert_ignoring_duplicates(
            db.session,
            Call,
            [
                {
                    "call_id": call_id,
                    "from_number": from_number,
                    "to_number": to_number,
                    "customer_id": _caller(from_number),
                }
            ],
        )
    call = db.session.scalars(
        select(Call).where(Call.call_id == call_id).execution_options(populate_existing=True)
    ).one()
    if not new:
        return call, False
    user = find_agent(agent)
    if user is not None:
        call.agent_id = user.id
    _apply(call, event, at, recording_url, duration_seconds)
    db.session.flush()
    _log_contact(call, now)
    if event == CallEventKind.MISSED and call.answered_at is None:
        _owe_callback(actor, call, now)
    db.session.flush()
    return call, True


def _apply(
    call: Call, event: str, at: datetime, recording_url: str | None, duration: int | None
) -> None:
    # The earliest time wins: a late duplicate with another time changes nothing.
    if event == CallEventKind.RINGING:
        call.ringing_at = min(at, call.ringing_at or at)
    elif event == CallEventKind.ANSWERED:
        call.answered_at = min(at, call.answered_at or at)
    elif event == CallEventKind.ENDED:
        call.ended_at = at
        if duration is not None:
            call.duration_seconds = duration
    else:
        call.missed_at = at
    if recording_url:
        call.recording_url = recording_url
    if call.duration_seconds is None and call.answered_at and call.ended_at:
        # Only an answered call has a talk time; ended before answered (out of order): 0.
        call.duration_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))


def speed_of_answer(call: Call) -> int | None:
    """Seconds from ringing to answer; None until both are known."""
    if call.ringing_at is None or call.answered_at is None:
        return None
    return max(0, int((call.answered_at - call.ringing_at).total_seconds()))


def _log_contact(call: Call, now: datetime) -> None:
    """Once the call has ended, was answered and both the caller and the agent are known, it
    becomes an interaction; otherwise it waits for a person to link it (no silent guess). Out of
    order events: whichever event completes the picture logs it."""
    if call.interaction_id is not None or call.ended_at is None or call.answered_at is None:
        return
    if call.customer_id is None or call.agent_id is None:
        return
    customer = db.session.get(Customer, call.customer_id)
    agent = db.session.get(User, call.agent_id)
    if customer is None or customer.is_deleted or agent is None or not agent.active:
        return
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        summary = _("Inbound call from %(number)s", number=call.from_number)
    interaction = log_interaction(
        actor=agent,
        customer=customer,
        channel=Channel.PHONE.value,
        category=Category.INQUIRY.value,
        direction=Direction.INBOUND.value,
        summary=summary,
        # A phone system's clock a little ahead of ours is not a contact in the future.
        occurred_at=min(call.answered_at, now),
        duration_seconds=call.duration_seconds,
        recording_ref=call.recording_url,
    )
    call.interaction_id = interaction.id


def _works_callbacks(user: User | None) -> bool:
    return user is not None and user.active and user.can(Permission.CALLBACKS_WORK)


def _queue_assignee() -> User | None:
    """The service department's next agent in turn, else its first supervisor."""
    chosen = pick_assignee(Department.SERVICE.value)
    if chosen is None:
        chosen = next(iter(supervisors_of(Department.SERVICE.value)), None)
    return db.session.get(User, chosen) if chosen is not None else None


def link_waiting_calls(now: datetime) -> int:
    """Job: a call from a number no single customer had waits. Once exactly one customer has
    that number (made from the screen pop, imported, given the number), the call becomes
    theirs: its contact is logged and a missed one owes its callback. Returns how many calls
    were given to a customer."""
    arrived = func.coalesce(Call.ringing_at, Call.answered_at, Call.missed_at, Call.ended_at)
    waiting = db.session.execute(
        select(Call.id, Call.from_number).where(
            Call.customer_id.is_(None), arrived >= now - timedelta(days=WAITING_CALL_DAYS)
        )
    ).all()
    linked = 0
    for call_id, number in waiting:
        customer_id = _caller(number)
        if customer_id is None:
            continue
        # Given once, even if another run got here first.
        claimed = db.session.execute(
            update(Call)
            .where(Call.id == call_id, Call.customer_id.is_(None))
            .values(customer_id=customer_id)
        ).rowcount
        if not claimed:
            continue
        call = db.session.get(Call, call_id)
        db.session.refresh(call)
        _log_contact(call, now)
        if call.missed_at is not None and call.answered_at is None:
            _owe_callback(None, call, now)
        linked += 1
    db.session.flush()
    return linked


def _owe_callback(actor: User | None, call: Call, now: datetime) -> None:
    """A callback task due within MISSED_CALL_CALLBACK_MINUTES for the customer's owner or the
    service queue, and a notice to whoever has it. A caller without one customer cannot have a
    task (a task belongs to a customer): the queue is told, and the notice opens the screen
    pop for the number. Without ``actor`` (the scheduler), the task is its assignee's own."""
    if call.callback_task_id is not None:
        return
    due = (call.missed_at or now) + timedelta(
        minutes=current_app.config["MISSED_CALL_CALLBACK_MINUTES"]
    )
    customer = db.session.get(Customer, call.customer_id) if call.customer_id else None
    if customer is not None and customer.is_deleted:
        customer = None
    owner = customer.owner if customer is not None else None
    assignee = owner if _works_callbacks(owner) else _queue_assignee()
    local_due = due.astimezone(department_zone())
    caller = customer.name if customer is not None else call.from_number
    payload = {"caller": caller, "due_at": due.isoformat()}
    if customer is not None and assignee is not None:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            purpose = _("Call back a missed call from %(number)s", number=call.from_number)
        task = add_one_off_task(
            actor=actor or assignee,
            customer=customer,
            assignee=assignee,
            due_date=local_due.date(),
            purpose=purpose,
        )
        call.callback_task_id = task.id
        subject: tuple[str, int] = ("callback_task", task.id)
        recipients = [assignee.id]
    else:
        subject = ("call", call.id)
        recipients = [assignee.id] if assignee else supervisors_of(Department.SERVICE.value)
    notify(
        {
            "user_id": user_id,
            "kind": "call.missed",
            "subject_type": subject[0],
            "subject_id": subject[1],
            "payload": payload,
        }
        for user_id in recipients
    )
