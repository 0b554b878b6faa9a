"""What a plan version reads as, in the current language: section titles and the labels and
formatters its figures need. The page, the PDF (the same template) and the DOCX use it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.cases.models import DEPARTMENT_LABELS, PRIORITY_LABELS
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS
from crm.plans.labels import STATUS_LABELS
from crm.plans.models import PlanVersion, ServicePlan
from crm.reports.labels import KPI_LABELS, UNIT_SUFFIX, format_value
from crm.reports.scope import UNITS
from crm.training.models import KIND_LABELS

#: the guides' chapters, in their order
SECTION_TITLES = {
    "current_state": _l("1. Current state (现状)"),
    "targets": _l("2. Service targets (服务目标)"),
    "service": _l("3. Service content and flow (服务内容与流程)"),
    "standards": _l("4. Service standards (服务标准)"),
    "quality": _l("5. Quality measures (质量保障措施)"),
    "training": _l("6. Staff training (人员培训)"),
    "contingency": _l("7. Contingency plans (应急预案)"),
    "staffing": _l("8. Staffing (人员配置)"),
    "budget": _l("9. Budget (预算)"),
    "actions": _l("10. Assessment and continuous improvement (考核与持续改进)"),
}

#: CRM_QA_SAMPLE_PERIOD
SAMPLE_PERIODS = {"month": _l("per month"), "week": _l("per week")}


def label(table: dict, key: Any) -> str:
    """A key's label, or the key itself (a category or department added later)."""
    return str(table.get(key, key if key is not None else "—"))


def kpi_value(key: str, value: float | None) -> str:
    return format_value(value, UNITS[key])


def minutes(value: int) -> str:
    """SLA limits as the guides write them: minutes under an hour, else hours."""
    if value < 60:
        return f"{value} min"
    return f"{value / 60:g} h"


def budget_total(version: PlanVersion) -> str:
    return str(sum((Decimal(line["amount"]) for line in version.budget), Decimal("0.00")))


def document_context(plan: ServicePlan, version: PlanVersion) -> dict[str, Any]:
    return {
        "plan": plan,
        "version": version,
        "figures": version.figures,
        "titles": SECTION_TITLES,
        "kpi_labels": KPI_LABELS,
        "category_labels": CATEGORY_LABELS,
        "department_labels": DEPARTMENT_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "unit_suffix": UNIT_SUFFIX,
        "units": UNITS,
        "kpi_value": kpi_value,
        "label": label,
        "minutes": minutes,
        "budget_total": budget_total(version),
        "sample_periods": SAMPLE_PERIODS,
    }
