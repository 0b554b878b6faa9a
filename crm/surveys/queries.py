"""Survey figures, each with its definition:
- return rate (回收率) = surveys answered / surveys sent
- satisfaction (满意度) = answers whose three ratings average 4 or more / answers
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from crm.cases.models import Case
from crm.extensions import db
from crm.surveys.models import Survey


@dataclass
class SurveyFigures:
    sent: int = 0
    answered: int = 0
    satisfied: int = 0

    @property
    def return_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.answered if self.answered else None


def is_satisfied(survey: Survey) -> bool:
    return sum(survey.ratings) / 3 >= 4


def figures(start: datetime, end: datetime) -> dict[str, dict[str, SurveyFigures]]:
    """Figures of the surveys sent in [start, end), by "agent", "category" and "month"; each
    key's "" entry is the total."""
    rows = db.session.execute(
        select(Survey, Case)
        .join(Case, Case.id == Survey.case_id)
        .where(Survey.sent_at >= start, Survey.sent_at < end)
    ).all()
    result: dict[str, dict[str, SurveyFigures]] = {
        "agent": defaultdict(SurveyFigures),
        "category": defaultdict(SurveyFigures),
        "month": defaultdict(SurveyFigures),
    }
    total = SurveyFigures()
    for survey, case in rows:
        keys = {
            "agent": case.assignee.display_name if case.assignee else "—",
            "category": case.category,
            "month": survey.sent_at.strftime("%Y-%m"),
        }
        for figure in [total, *(result[dimension][key] for dimension, key in keys.items())]:
            figure.sent += 1
            if survey.answered:
                figure.answered += 1
                figure.satisfied += is_satisfied(survey)
    for table in result.values():
        table[""] = total
    return {dimension: dict(sorted(table.items())) for dimension, table in result.items()}
