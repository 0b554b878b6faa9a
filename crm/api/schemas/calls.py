"""What the phone system sends (call events) and what the API answers about a call."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from crm.api.schemas.common import CallEventName, Strict

PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class CallEventIn(Strict):
    """One event of a call as the phone system sends it; (call_id, event) counts once."""

    #: the phone system's id of the call
    call_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    event: CallEventName
    #: the caller's number, as the phone system gives it
    from_: PhoneNumber = Field(alias="from")
    #: the number called (the hotline)
    to: PhoneNumber
    #: login name of the agent the call rings for or who took it; an unknown one is noted
    agent: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    #: when it happened: ISO 8601 with a zone offset (or Z)
    at: datetime
    #: where the phone system keeps the recording (ended)
    recording_url: (
        Annotated[str, StringConstraints(max_length=500, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://")]
        | None
    ) = None
    #: the talk time the phone system measured (ended); else ended minus answered
    duration_seconds: Annotated[int, Field(ge=0, le=86400)] | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _zoned(cls, value: object) -> datetime:
        if not isinstance(value, str):
            raise ValueError(
                "an ISO 8601 date and time with its zone, e.g. 2026-05-01T09:30:00+08:00"
            )
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                "not an ISO 8601 date and time, e.g. 2026-05-01T09:30:00+08:00"
            ) from None
        if parsed.tzinfo is None:
            raise ValueError("no time zone: add its offset, e.g. 2026-05-01T09:30:00+08:00 or Z")
        return parsed


class CallOut(BaseModel):
    """The call as recorded so far."""

    call_id: str
    #: ringing, answered, ended or missed: how far the call got
    state: str
    from_number: str
    to_number: str
    #: the one customer with the caller's number; null for none or several (a person links it)
    customer_id: int | None
    agent: str | None
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    missed_at: datetime | None
    #: seconds from ringing to answer (the target is 120)
    speed_of_answer_seconds: int | None
    duration_seconds: int | None
    recording_url: str | None
    #: the contact logged in the customer's history when the call ended
    interaction_id: int | None
    #: the callback owed for a missed call
    callback_task_id: int | None
    #: what was accepted but not used, e.g. an unknown agent
    notes: list[str]
