"""A roster from a spreadsheet (CSV or XLSX): one row per person and day (username, date,
shift). Every row is checked first; one bad row and nothing is written, and the page lists
each bad row with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from crm.auth.models import User
from crm.customers.import_files import read_table
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.teams.models import SHIFT_LABELS, Shift
from crm.teams.roster import Change, apply_changes
from crm.timezones import EARLIEST_DAY, LATEST_DAY

PERSON_TITLES = {"username", "用户名", "账号"}
DAY_TITLES = {"date", "day", "日期"}
SHIFT_TITLES = {"shift", "班次"}
#: a roster is weeks of a department, not years of a company
MAX_ROWS = 5000
#: what people type for each shift, besides its code and its label in either language
SHIFT_WORDS = {
    Shift.EARLY.value: {"早", "早班", "early", "early shift"},
    Shift.MIDDLE.value: {"中", "中班", "middle", "middle shift"},
    Shift.LATE.value: {"晚", "晚班", "late", "late shift"},
    Shift.REST.value: {"休", "休息", "rest", "off", "day off"},
}


@dataclass
class RowError:
    line: int
    message: str


def _column(header: list[str], titles: set[str]) -> int | None:
    for index, title in enumerate(header):
        if title.strip().lower() in titles:
            return index
    return None


def _shift(text: str) -> str | None:
    word = text.strip().lower()
    for shift, words in SHIFT_WORDS.items():
        if word in words or word == str(SHIFT_LABELS[Shift(shift)]).lower():
            return shift
    return None


def _day(text: str) -> date | None:
    text = text.strip().replace("/", "-")
    if " " in text and text.endswith("00:00:00"):  # an Excel date cell
        text = text.split(" ", 1)[0]
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


def check_roster_file(
    *, filename: str, data: bytes, people: dict[str, int]
) -> tuple[list[Change], list[RowError]]:
    """The changes the file asks for and every row's problem.

    :param people: username -> id of those the importer may roster.
    :raises DomainError: for an unreadable file or one without the three columns.
    """
    table = read_table(filename, data)
    columns = [_column(table.header, t) for t in (PERSON_TITLES, DAY_TITLES, SHIFT_TITLES)]
    if None in columns:
        raise DomainError(
            _l("The file needs the columns 用户名, 日期 and 班次 (username, date, shift)."),
            field="file",
        )
    if table.row_count > MAX_ROWS:
        raise DomainError(
            _l("At most %(n)d rows can be imported at once.", n=MAX_ROWS), field="file"
        )
    person_at, day_at, shift_at = columns
    changes: list[Change] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, date], int] = {}
    for offset, row in enumerate(table.iter_rows()):
        line = offset + 2
        username, day, shift = (
            row[person_at].strip().lower(),
            _day(row[day_at]),
            _shift(row[shift_at]),
        )
        if username not in people:
            errors.append(RowError(line, str(_l("No one you roster has this username."))))
        elif day is None:
            errors.append(RowError(line, str(_l("Write the date as 2026-12-07."))))
        elif shift is None:
            errors.append(RowError(line, str(_l("Shift must be 早班, 中班, 晚班 or 休息."))))
        elif (people[username], day) in seen:
            errors.append(
                RowError(
                    line,
                    str(
                        _l(
                            "Same person and day as line %(line)d.",
                            line=seen[people[username], day],
                        )
                    ),
                )
            )
        else:
            seen[people[username], day] = line
            changes.append(Change(people[username], day, shift))
    return changes, errors


def import_roster(*, actor: User, filename: str, data: bytes, people: dict[str, int]) -> int:
    """Check the file and, if every row is good, write it all.

    :returns: how many days changed.
    :raises RosterFileError: listing the bad rows (nothing written).
    """
    changes, errors = check_roster_file(filename=filename, data=data, people=people)
    if errors:
        raise RosterFileError(errors)
    return apply_changes(actor=actor, changes=changes, source=filename)


class RosterFileError(DomainError):
    def __init__(self, rows: list[RowError]) -> None:
        super().__init__(
            _l("Nothing was imported: fix the rows below and upload again."), field="file"
        )
        self.rows = rows


def usernames(user_ids: set[int]) -> dict[str, int]:
    return dict(
        db.session.execute(select(User.username, User.id).where(User.id.in_(user_ids))).all()
    )
