"""Exam scores pasted from a spreadsheet into the results grid: the one rule that says which
pasted value goes to whom, shown as a preview before anything is filled in.

- Lines that name someone (their name or username, the staff number here) are matched by that
  name, in any order and with the score in any other column; a line naming nobody on the session
  is listed, never given to someone else.
- A column of bare scores is matched by position to the grid's rows (sorted by name), blank
  cells included, so an empty cell leaves that person empty instead of shifting the scores
  below it. Its line count must equal the grid's rows, or the paste is refused.
- Every score is checked as the grid's save would check it; nothing is saved here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crm.i18n import lazy_gettext as _l
from crm.training.models import Participant, TrainingSession
from crm.training.results_import import PERSON_TITLES, SCORE_TITLES
from crm.training.services import ScoreEntry, check_scores

#: more lines than any session has people: a paste beyond this is refused unread
MAX_LINES = 1000


@dataclass
class PasteRow:
    user_id: int
    name: str
    #: the score pasted for this person, as pasted; "" when nothing is pasted for them
    score: str = ""
    message: str = ""


@dataclass
class PastePreview:
    #: one row per person in the grid's order
    rows: list[PasteRow] = field(default_factory=list)
    #: "name" or "position": how lines were matched to people
    matched_by: str = "position"
    #: pasted lines that name nobody on this session
    unmatched: list[str] = field(default_factory=list)
    #: why the paste is refused as a whole; empty when it can be applied
    error: str = ""

    @property
    def problems(self) -> int:
        return sum(1 for row in self.rows if row.message) + len(self.unmatched)


def grid_people(session: TrainingSession) -> list[Participant]:
    """The grid's rows, in the grid's order."""
    return sorted(session.participants, key=lambda p: (p.user.display_name, p.user_id))


def _lines(text: str) -> list[list[str]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]  # a spreadsheet ends its last row with a line break
    return [[cell.strip() for cell in line.split("\t")] for line in text.split("\n")]


def _is_header(cells: list[str]) -> bool:
    return any(cell.lower() in PERSON_TITLES | SCORE_TITLES for cell in cells)


def preview_paste(session: TrainingSession, text: str, *, taken_on: date) -> PastePreview:
    """Which pasted score goes to whom, checked; see the module's docstring for the rule."""
    people = grid_people(session)
    lines = _lines(text)
    if len(lines) > MAX_LINES:
        return PastePreview(error=str(_l("The paste is too long.")))
    if lines and _is_header(lines[0]):
        lines = lines[1:]
    keys: dict[str, list[int]] = {}
    for p in people:
        for key in {p.user.username.lower(), p.user.display_name.strip().lower()}:
            keys.setdefault(key, []).append(p.user_id)
    rows = {p.user_id: PasteRow(p.user_id, p.user.display_name) for p in people}
    preview = PastePreview(rows=list(rows.values()))

    def who(cells: list[str]) -> tuple[int, list[int]] | None:
        for index, cell in enumerate(cells):
            if cell.lower() in keys:
                return index, keys[cell.lower()]
        return None

    named = [who(cells) for cells in lines]
    if any(found is not None for found in named) or any(
        len([c for c in cells if c]) > 1 for cells in lines
    ):
        preview.matched_by = "name"
        for cells, found in zip(lines, named, strict=True):
            if not any(cells):
                continue
            if found is None:
                preview.unmatched.append(" ".join(c for c in cells if c))
                continue
            index, matches = found
            if len(matches) > 1:
                preview.unmatched.append(" ".join(c for c in cells if c))
                continue
            row = rows[matches[0]]
            others = [c for i, c in enumerate(cells) if i != index and c]
            if row.score or row.message:
                row.message = str(_l("Entered twice."))
            row.score = others[-1] if others else ""
    else:
        if len(lines) != len(people):
            preview.rows = []
            preview.error = str(
                _l(
                    "The paste has %(lines)d rows but the grid has %(people)d people. Paste the "
                    "whole column, blank cells included, or paste names with the scores.",
                    lines=len(lines),
                    people=len(people),
                )
            )
            return preview
        for cells, person in zip(lines, people, strict=True):
            rows[person.user_id].score = cells[0]
    entries = [ScoreEntry(r.user_id, r.score, taken_on) for r in preview.rows if r.score]
    _scores, _counts, errors = check_scores(session, entries)
    for row in preview.rows:
        if row.user_id in errors and not row.message:
            row.message = errors[row.user_id]
    return preview
