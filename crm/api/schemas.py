"""What the API reads and writes, as pydantic models: they validate requests and are the
schemas of the OpenAPI description."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from crm.channels.models import CallEventKind
from crm.customers.models import Tier
from crm.interactions.models import Category, Channel, Direction

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Cursor = Annotated[str, StringConstraints(max_length=200)]
Limit = Annotated[int, Field(ge=1, le=100)]

TierName = StrEnum("TierName", {t.name: t.value for t in Tier})  # type: ignore[misc]
ChannelName = StrEnum("ChannelName", {c.name: c.value for c in Channel})  # type: ignore[misc]
CategoryName = StrEnum("CategoryName", {c.name: c.value for c in Category})  # type: ignore[misc]
DirectionName = StrEnum("DirectionName", {d.name: d.value for d in Direction})  # type: ignore[misc]
CallEventName = StrEnum("CallEventName", {e.name: e.value for e in CallEventKind})  # type: ignore[misc]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Customers


class CustomerIn(Strict):
    name: Text100
    phones: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]], Field(min_length=1, max_length=5)
    ]
    company: Annotated[str, StringConstraints(max_length=200)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    region: Annotated[str, StringConstraints(max_length=50)] | None = None
    industry: Annotated[str, StringConstraints(max_length=50)] | None = None
    tags: Annotated[
        list[Annotated[str, StringConstraints(max_length=30)]],
        Field(max_length=20, default_factory=list),
    ]
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    #: create even when the phone or e-mail is on file already
    allow_duplicate: bool = False


class CustomerPatch(Strict):
    """Fields to change; ``version`` is the one read (a stale edit is refused with 409)."""

    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    name: Text100 | None = None
    phones: (
        Annotated[
            list[Annotated[str, StringConstraints(max_length=40)]],
            Field(min_length=1, max_length=5),
        ]
        | None
    ) = None
    company: Annotated[str, StringConstraints(max_length=200)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    region: Annotated[str, StringConstraints(max_length=50)] | None = None
    industry: Annotated[str, StringConstraints(max_length=50)] | None = None
    tags: (
        Annotated[list[Annotated[str, StringConstraints(max_length=30)]], Field(max_length=20)]
        | None
    ) = None
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None


class CustomerOut(BaseModel):
    id: int
    name: str
    phones: list[str]
    company: str | None
    email: str | None
    region: str | None
    industry: str | None
    tags: list[str]
    notes: str | None
    tier: TierName
    owner_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    last_contact_at: datetime | None
    deleted: bool


class TimelineEntryOut(BaseModel):
    kind: str
    id: int
    at: datetime
    summary: str


class CustomerDetail(CustomerOut):
    #: the newest entries of the customer's history
    timeline: list[TimelineEntryOut]


class CustomerList(BaseModel):
    """The best matches, at most ``limit``: phone numbers first, then names and companies."""

    items: list[CustomerOut]


class CustomerQuery(Strict):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    limit: Limit = 20


class PhoneQuery(Strict):
    phone: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Lookup(BaseModel):
    #: the number in E.164 form
    phone: str
    items: list[CustomerOut]


# Interactions


class CallIn(Strict):
    """A call as the phone system logs it: the customer by id or by the caller's number."""

    customer_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    caller_phone: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    #: login name of the agent who took the call; the token's user by default
    agent: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    started_at: AwareDatetime
    duration_seconds: Annotated[int, Field(ge=0, le=86400)]
    direction: DirectionName
    channel: ChannelName = ChannelName.PHONE  # type: ignore[attr-defined]
    category: CategoryName = CategoryName.INQUIRY  # type: ignore[attr-defined]
    summary: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    details: Annotated[str, StringConstraints(max_length=5000)] | None = None
    #: where the recording is kept in the phone system
    recording_ref: Annotated[str, StringConstraints(max_length=300)] | None = None
    #: false for an attempt that did not reach the customer (no answer, busy): it is kept in
    #: the history but is not a contact (the customer's last contact does not move)
    reached: bool = True


class InteractionOut(BaseModel):
    id: int
    customer_id: int
    agent: str
    channel: ChannelName
    category: CategoryName
    direction: DirectionName
    summary: str
    occurred_at: datetime
    duration_seconds: int | None
    recording_ref: str | None
    reached: bool


# Callbacks


class TaskQuery(Strict):
    status: Annotated[str, StringConstraints(pattern=r"^(open|done|all)$")] = "open"
    #: for team leaders: "team" or "department"; the user's kept choice when left out
    scope: Annotated[str, StringConstraints(pattern=r"^(team|department)$")] | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class TaskOut(BaseModel):
    id: int
    customer_id: int
    customer_name: str
    due_date: date
    assignee: str
    status: str
    attempt: int


class TaskList(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class TaskDone(Strict):
    reached: bool
    notes: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None


# Cases


class CaseQuery(Strict):
    status: Annotated[str, StringConstraints(pattern=r"^(open|all)$")] = "open"
    #: for team leaders: "team" or "department"; the user's kept choice when left out
    scope: Annotated[str, StringConstraints(pattern=r"^(team|department)$")] | None = None
    cursor: Cursor | None = None
    limit: Limit = 50


class CaseOut(BaseModel):
    id: int
    customer_id: int
    subject: str
    category: str
    priority: str
    department: str
    status: str
    assignee: str | None
    opened_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    response_breached: bool
    resolution_breached: bool


class CaseList(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


# KPIs


class KpiQuery(Strict):
    #: the month, as YYYY-MM; the current month by default
    month: Annotated[str, StringConstraints(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$")] | None = None


class KpiOut(BaseModel):
    key: str
    #: null when the period has nothing to measure
    value: float | None
    unit: str
    #: how many rows it was computed over
    basis: int


class KpiReport(BaseModel):
    start: date
    end: date
    #: a closed month's figures come from its monthly report, kept at this time; null when
    #: computed from today's data
    kept_at: datetime | None = None
    figures: list[KpiOut]


# Phone-system events

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
