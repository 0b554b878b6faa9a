"""Calendar quarters in the department's time zone, as the quarterly report counts them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from crm.timezones import EARLIEST_DAY, LATEST_DAY, department_bounds_utc, department_today

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def bounds_utc(self) -> tuple[datetime, datetime]:
        return department_bounds_utc(self.start, self.end)

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, raw: str | None, now: datetime) -> Quarter:
        """``2026Q3``, or the department's current quarter when ``raw`` is missing, malformed
        or outside the calendar."""
        match = QUARTER_PATTERN.match(raw or "")
        if match and EARLIEST_DAY.year <= int(match[1]) <= LATEST_DAY.year:
            return cls(int(match[1]), int(match[2]))
        return cls.of(department_today(now))
