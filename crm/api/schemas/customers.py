"""What the API reads and writes about customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from crm.api.schemas.common import Limit, Strict, Text100, TierName


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
