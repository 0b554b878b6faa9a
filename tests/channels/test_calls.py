"""Recording the phone system's call events: each (call, event) once, in any order; the ended
call becomes the customer's contact, the missed one a callback for the owner or the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.callbacks.models import CallbackTask
from crm.cases.routing_models import DepartmentAgent
from crm.channels.calls import link_waiting_calls, record_call_event, speed_of_answer
from crm.channels.models import Call, CallEvent
from crm.errors import DomainError
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.notifications.describe import describe
from crm.notifications.models import Notification
from tests.factories import make_customer, make_user

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def phone(ctx):
    system = make_user(username="phone.system", roles=["agent"])
    li = make_user(username="agent.li", roles=["agent"])
    customer = make_customer(actor=li, name="张伟", phones=["13800138000"])
    db.session.commit()
    return {"system": system, "li": li, "customer": customer}


def event(phone, name, *, at, call_id="c-1", agent="agent.li", number="13800138000", **extra):
    return record_call_event(
        actor=phone["system"],
        call_id=call_id,
        event=name,
        from_number=number,
        to_number="4008001234",
        agent=agent,
        at=at,
        now=NOW + timedelta(hours=1),
        **extra,
    )


def test_a_whole_call_is_matched_timed_and_logged_as_a_contact(phone) -> None:
    call, new = event(phone, "ringing", at=NOW)
    assert new and call.customer_id == phone["customer"].id and call.agent_id == phone["li"].id
    event(phone, "answered", at=NOW + timedelta(seconds=25))
    call, new = event(
        phone, "ended", at=NOW + timedelta(minutes=5, seconds=25), recording_url="https://rec/1"
    )
    assert speed_of_answer(call) == 25
    assert call.duration_seconds == 300
    contact = db.session.get(Interaction, call.interaction_id)
    assert (contact.customer_id, contact.agent_id) == (phone["customer"].id, phone["li"].id)
    assert (contact.channel, contact.category, contact.direction) == ("phone", "inquiry", "inbound")
    assert contact.duration_seconds == 300 and contact.recording_ref == "https://rec/1"
    assert contact.occurred_at == NOW + timedelta(seconds=25)


def test_a_repeated_event_changes_nothing_and_says_so(phone) -> None:
    event(phone, "ringing", at=NOW)
    event(phone, "answered", at=NOW + timedelta(seconds=10))
    call, new = event(phone, "answered", at=NOW + timedelta(seconds=90), agent="someone.else")
    assert not new
    assert call.answered_at == NOW + timedelta(seconds=10) and call.agent_id == phone["li"].id
    assert db.session.scalar(select(func.count()).select_from(CallEvent)) == 2


def test_ended_before_answered_logs_the_contact_once_the_answer_arrives(phone) -> None:
    event(phone, "ringing", at=NOW)
    call, _ = event(phone, "ended", at=NOW + timedelta(minutes=3))
    assert call.interaction_id is None
    call, _ = event(phone, "answered", at=NOW + timedelta(minutes=1))
    assert call.duration_seconds == 120 and call.interaction_id is not None
    # ... and only once, whatever comes after
    event(phone, "ringing", at=NOW)
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 1


def test_a_call_from_an_unknown_or_shared_number_waits_for_a_person(phone) -> None:
    make_customer(actor=phone["li"], name="张伟之妻", phones=["13900139000"])
    make_customer(actor=phone["li"], name="张伟之子", phones=["13900139000"])
    for call_id, number in (("unknown", "13700000000"), ("shared", "13900139000")):
        event(phone, "ringing", at=NOW, call_id=call_id, number=number)
        event(phone, "answered", at=NOW, call_id=call_id, number=number)
        call, _ = event(phone, "ended", at=NOW + timedelta(minutes=1), call_id=call_id)
        assert call.customer_id is None and call.interaction_id is None
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_an_unknown_agent_is_noted_and_the_call_kept_without_one(phone) -> None:
    call, new = event(phone, "ringing", at=NOW, agent="nobody")
    assert new and call.agent_id is None
    stored = db.session.scalar(select(CallEvent))
    assert stored.payload["agent"] == "nobody"


def test_a_missed_call_is_owed_to_the_customers_owner(app, phone) -> None:
    boss = make_user(roles=["supervisor"])
    owner = make_user(username="owner.wang", roles=["agent"])
    customer = make_customer(actor=boss, name="李娜", phones=["13600136000"], owner_id=owner.id)
    event(phone, "ringing", at=NOW, number="13600136000")
    call, _ = event(phone, "missed", at=NOW + timedelta(seconds=40), number="13600136000")
    task = db.session.get(CallbackTask, call.callback_task_id)
    assert task.assignee_id == owner.id and task.customer_id == customer.id
    assert task.due_date.isoformat() == "2026-05-04"
    notice = db.session.scalar(select(Notification).where(Notification.kind == "call.missed"))
    assert notice.user_id == owner.id and notice.subject_type == "callback_task"
    assert app.config["MISSED_CALL_CALLBACK_MINUTES"] == 60
    assert notice.payload == {"caller": "李娜", "due_at": "2026-05-04T03:00:40+00:00"}
    # written when read, in the reader's zone (here the default, Shanghai)
    assert "李娜" in describe(notice) and "11:00" in describe(notice)
    # Missed again (the phone system retried): still one task, one notice.
    event(phone, "missed", at=NOW + timedelta(seconds=41))
    assert db.session.scalar(select(func.count()).select_from(CallbackTask)) == 1


def test_a_missed_call_without_an_owner_goes_to_the_service_queue(phone) -> None:
    queue_agent = make_user(username="queue.agent", roles=["agent"])
    db.session.add(DepartmentAgent(department="service", user_id=queue_agent.id))
    db.session.flush()
    call, _ = event(phone, "missed", at=NOW)
    task = db.session.get(CallbackTask, call.callback_task_id)
    assert task.assignee_id == queue_agent.id


def test_a_missed_call_from_an_unknown_number_is_told_to_the_queue_without_a_task(phone) -> None:
    boss = make_user(username="boss", roles=["supervisor"])
    call, _ = event(phone, "missed", at=NOW, number="<b>13700000000</b>")
    assert call.callback_task_id is None
    notice = db.session.scalar(select(Notification).where(Notification.kind == "call.missed"))
    assert notice.user_id == boss.id and notice.subject_type == "call"
    assert notice.payload["caller"] == "<b>13700000000</b>"


def test_an_answered_call_reported_missed_afterwards_owes_no_callback(phone) -> None:
    event(phone, "answered", at=NOW)
    call, new = event(phone, "missed", at=NOW + timedelta(seconds=5))
    assert new and call.callback_task_id is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "hangup"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"call_id": "x" * 101}, "call_id"),
        ({"number": "1" * 41}, "from"),
        ({"at": datetime(2026, 5, 4, 10, 0)}, "at"),
        ({"at": NOW + timedelta(days=1, hours=2)}, "at"),
        ({"at": datetime(1, 1, 1, 0, 0, tzinfo=UTC)}, "at"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"recording_url": "https://r/" + "x" * 500}, "recording_url"),
    ],
)
def test_invalid_events_are_refused_naming_the_field(phone, changes, field) -> None:
    values = {"name": "ringing", "at": NOW, **changes}
    with pytest.raises(DomainError) as refused:
        event(phone, values.pop("name"), at=values.pop("at"), **values)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_a_waiting_call_becomes_the_customers_once_someone_has_the_number(phone) -> None:
    """An unknown caller: the agent makes the customer from the screen pop (or an import
    brings them); the scheduler then gives them the call, its contact and its callback once."""
    make_user(username="boss", roles=["supervisor"])
    queue_agent = make_user(username="queue.agent", roles=["agent"])
    db.session.add(DepartmentAgent(department="service", user_id=queue_agent.id))
    missed, _ = event(phone, "missed", at=NOW, call_id="m", number="139 0000 0000")
    for name, minutes in (("answered", 0), ("ended", 3)):
        event(phone, name, at=NOW + timedelta(minutes=minutes), call_id="t", number="13900000000")
    assert link_waiting_calls(NOW + timedelta(hours=1)) == 0  # still nobody's number
    caller = make_customer(actor=phone["li"], name="新客户", phones=["+86 139-0000-0000"])
    later = NOW + timedelta(hours=2)
    assert link_waiting_calls(later) == 2
    assert link_waiting_calls(later) == 0
    talked = db.session.scalars(select(Call).where(Call.call_id == "t")).one()
    assert (missed.customer_id, talked.customer_id) == (caller.id, caller.id)
    task = db.session.get(CallbackTask, missed.callback_task_id)
    assert (task.customer_id, task.assignee_id) == (caller.id, queue_agent.id)
    contact = db.session.get(Interaction, talked.interaction_id)
    assert (contact.customer_id, contact.duration_seconds) == (caller.id, 180)
    assert missed.interaction_id is None  # nobody talked: a callback, not a contact
    # long-gone calls are left alone
    event(phone, "missed", at=NOW, call_id="old", number="13600000000")
    make_customer(actor=phone["li"], name="老来电", phones=["13600000000"])
    assert link_waiting_calls(NOW + timedelta(days=3)) == 0
