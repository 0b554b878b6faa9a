"""What the API reads and writes for the day's work: interactions, callbacks, cases and KPIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from crm.api.schemas.common import CategoryName, ChannelName, Cursor, DirectionName, Limit, Strict

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
