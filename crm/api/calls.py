"""The phone system's call events over the API (the recording itself: crm/channels/calls.py)."""

from __future__ import annotations

from crm.api.framework import operation
from crm.api.schemas.calls import CallEventIn, CallOut
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.channels.calls import find_agent, record_call_event, speed_of_answer
from crm.channels.models import Call
from crm.database import utcnow
from crm.extensions import db


def _state(call: Call) -> str:
    if call.missed_at is not None and call.answered_at is None:
        return "missed"
    if call.ended_at is not None:
        return "ended"
    if call.answered_at is not None:
        return "answered"
    return "ringing"


def call_out(call: Call, notes: list[str]) -> CallOut:
    agent = db.session.get(User, call.agent_id) if call.agent_id else None
    return CallOut(
        call_id=call.call_id,
        state=_state(call),
        from_number=call.from_number,
        to_number=call.to_number,
        customer_id=call.customer_id,
        agent=agent.username if agent else None,
        ringing_at=call.ringing_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        missed_at=call.missed_at,
        speed_of_answer_seconds=speed_of_answer(call),
        duration_seconds=call.duration_seconds,
        recording_url=call.recording_url,
        interaction_id=call.interaction_id,
        callback_task_id=call.callback_task_id,
        notes=notes,
    )


# INTERACTIONS_LOG: a call event ends in a logged contact, as POST /interactions does; the
# phone system's user is an agent-like integration account, not a supervisor.
@operation(
    "POST",
    "/calls/events",
    summary="Record a phone-system call event (ringing, answered, ended, missed); a repeat "
    "of the same call and event changes nothing and answers 200",
    tag="calls",
    permission=Permission.INTERACTIONS_LOG,
    body=CallEventIn,
    response=CallOut,
    status=201,
    also=(200,),
)
def call_event(user: User, body: CallEventIn) -> tuple[CallOut, int]:
    call, new = record_call_event(
        actor=user,
        call_id=body.call_id,
        event=body.event.value,
        from_number=body.from_,
        to_number=body.to,
        agent=body.agent,
        at=body.at,
        now=utcnow(),
        recording_url=body.recording_url,
        duration_seconds=body.duration_seconds,
    )
    notes = []
    if body.agent is not None and find_agent(body.agent) is None:
        notes.append("agent: no active user has this login; recorded without an agent")
    if new and call.customer_id is None:
        notes.append("from: not one customer's number; the call waits for a person to link it")
    return call_out(call, notes), 201 if new else 200
