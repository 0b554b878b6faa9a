"""The KPIs' names and how their values read, in the user's language."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal

from crm.callbacks.models import TASK_STATUS_LABELS
from crm.cases.models import STATUS_LABELS
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS

KPI_LABELS = {
    "satisfaction": _l("Customer satisfaction (满意度)"),
    "first_response_minutes": _l("Average first response (平均响应时间)"),
    "complaint_hours": _l("Complaint handling time (投诉处理时效)"),
    "resolution_rate": _l("Resolution rate (问题解决率)"),
    "sla_compliance": _l("SLA compliance"),
    "survey_return": _l("Survey return rate (回收率)"),
    "training_pass": _l("Training pass rate (培训合格率)"),
    "qa_average": _l("QA average score"),
    "callback_completion": _l("Callback completion"),
}
UNIT_SUFFIX = {"share": "%", "minutes": _l(" min"), "hours": _l(" h"), "points": ""}

#: drill-down column keys -> headings
COLUMN_LABELS = {
    "case": _l("Case"),
    "customer": _l("Customer"),
    "agent": _l("Agent"),
    "sent_at": _l("Sent"),
    "answered_at": _l("Answered"),
    "attitude": _l("Attitude"),
    "efficiency": _l("Efficiency"),
    "resolution": _l("Resolution"),
    "satisfied": _l("Satisfied"),
    "comment": _l("Comment"),
    "subject": _l("Subject"),
    "category": _l("Category"),
    "status": _l("Status"),
    "task_status": _l("Status"),
    "opened_at": _l("Opened"),
    "first_response_at": _l("First response"),
    "resolved_at": _l("Resolved"),
    "closed_at": _l("Closed"),
    "reopen_count": _l("Times reopened"),
    "response_breached": _l("Response breached"),
    "resolution_breached": _l("Resolution breached"),
    "review": _l("Review"),
    "reviewer": _l("Reviewer"),
    "submitted_at": _l("Submitted"),
    "final_score": _l("Final score"),
    "passed": _l("Passed"),
    "due_date": _l("Due"),
    "attempt": _l("Attempt"),
    "session": _l("Session"),
    "person": _l("Person"),
    "taken_on": _l("Taken on"),
    "score": _l("Score"),
}

#: drill-down columns whose values are codes -> the codes' labels
VALUE_LABELS = {
    "category": CATEGORY_LABELS,
    "status": STATUS_LABELS,
    "task_status": TASK_STATUS_LABELS,
}


def labelled(header: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with each code column's values shown by their labels."""
    tables = [VALUE_LABELS.get(column) for column in header]
    return [
        [
            str(table.get(value, value)) if table else value
            for table, value in zip(tables, row, strict=True)
        ]
        for row in rows
    ]


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{format_decimal(round(value, 1), format='#,##0.0')}{UNIT_SUFFIX[unit]}"
