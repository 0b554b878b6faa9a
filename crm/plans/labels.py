"""How actions and plans read in the user's language."""

from __future__ import annotations

from crm.i18n import lazy_gettext as _l

SOURCE_LABELS = {
    "kpi": _l("A KPI that misses its target"),
    "qa_criterion": _l("A QA criterion's trend"),
    "quarterly_report": _l("The quarterly quality report"),
    "complaint_cause": _l("A complaint cause"),
}
STATUS_LABELS = {
    "planned": _l("Not started"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}
STAGE_LABELS = {
    "plan": _l("Plan (计划)"),
    "do": _l("Do (执行)"),
    "check": _l("Check (检查)"),
    "act": _l("Act (处理)"),
}
DECISION_LABELS = {
    "keep": _l("Keep the change as standard"),
    "adjust": _l("Adjust and try again"),
    "drop": _l("Drop it"),
}
