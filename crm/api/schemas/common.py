"""The pieces every API schema shares: the strict base that refuses unknown fields, bounded
text, paging, and the enumerations named for the OpenAPI description."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
