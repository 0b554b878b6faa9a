"""Exam results from a CSV or XLSX file: read, matched to the session's people and checked —
a dry run that fills the results grid for the trainer to review and save."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crm.customers.import_files import read_table
from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l
from crm.training.models import TrainingSession
from crm.training.services import ScoreEntry, check_scores

PERSON_TITLES = {"username", "用户名", "账号", "name", "姓名", "员工", "学员"}
SCORE_TITLES = {"score", "成绩", "分数", "得分"}


@dataclass
class ImportLine:
    #: the line in the file (the header is line 1)
    line: int
    person: str
    score: str
    user_id: int | None = None
    message: str = ""


def _column(header: list[str], titles: set[str]) -> int | None:
    for index, title in enumerate(header):
        if title.strip().lower() in titles:
            return index
    return None


def read_results(
    session: TrainingSession, *, filename: str, data: bytes, taken_on: date
) -> list[ImportLine]:
    """Every line of the file, matched by username or name to someone on the session and
    checked like the grid; nothing is saved.

    :raises DomainError: for an unreadable file or one without a person or score column.
    """
    table = read_table(filename, data)
    person_at = _column(table.header, PERSON_TITLES)
    score_at = _column(table.header, SCORE_TITLES)
    if person_at is None or score_at is None:
        raise DomainError(
            _l("The file needs a column 用户名 or 姓名 (username or name) and 成绩 (score)."),
            field="file",
        )
    by_username = {p.user.username: p.user_id for p in session.participants}
    by_name: dict[str, list[int]] = {}
    for participant in session.participants:
        by_name.setdefault(participant.user.display_name, []).append(participant.user_id)
    lines = []
    for offset, row in enumerate(table.iter_rows()):
        person, score = row[person_at].strip(), row[score_at].strip()
        line = ImportLine(line=offset + 2, person=person, score=score)
        matches = (
            [by_username[person.lower()]]
            if person.lower() in by_username
            else by_name.get(person, [])
        )
        if len(matches) == 1:
            line.user_id = matches[0]
        elif matches:
            line.message = str(_l("Several people here have this name; use the username."))
        else:
            line.message = str(_l("Not invited to this session."))
        if line.user_id is not None and not score:
            line.message = str(_l("No score."))
            line.user_id = None
        lines.append(line)
    entries = [ScoreEntry(line.user_id, line.score, taken_on) for line in lines if line.user_id]
    _scores, _counts, errors = check_scores(session, entries)
    for line in lines:
        if line.user_id in errors:
            line.message = errors[line.user_id]
    return lines
