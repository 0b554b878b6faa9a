"""Service plans and their versions: generate, edit (a published plan gets a new version),
approve (the approved version's figures are frozen), and the end-of-period review.

Functions flush; the view or CLI command that called them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.plans.actions import may_manage
from crm.plans.compose import compose, kpi_figures, parse_period
from crm.plans.models import ImprovementAction, PlanVersion, ServicePlan
from crm.reports.targets import standing

#: the guides' structure (目标, 服务内容与流程, 服务标准, 质量保障措施, 人员培训, 应急预案, ...)
SECTIONS = (
    "current_state",
    "targets",
    "service",
    "standards",
    "quality",
    "training",
    "contingency",
    "staffing",
    "budget",
    "actions",
)
NARRATIVE_MAX = 20000
BUDGET_LINES_MAX = 50
BUDGET_TEXT_MAX = 200


def find_plan(label: str) -> ServicePlan | None:
    return db.session.scalar(select(ServicePlan).where(ServicePlan.period == label))


def create_plan(*, actor: User, label: str, now: datetime) -> ServicePlan:
    """Generate the first draft of the plan of ``label`` with today's figures.

    :raises DomainError: for a malformed period or a plan that exists already.
    """
    if not may_manage(actor):
        raise PermissionDenied(_l("Only supervisors write the service plan."))
    try:
        parse_period(label)
    except ValueError:
        raise DomainError(_l("Write the period as 2026 or 2026Q3."), field="period") from None
    if find_plan(label) is not None:
        raise DomainError(_l("There is a plan for this period already."), field="period")
    plan = ServicePlan(period=label, created_at=now, created_by_id=actor.id)
    db.session.add(plan)
    db.session.flush()
    version = PlanVersion(
        plan_id=plan.id,
        number=1,
        narratives={},
        budget=[],
        figures=compose(label),
        generated_at=now,
        created_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    db.session.refresh(plan)
    record(
        action=AuditAction.PLAN_SAVED,
        actor=actor,
        object_type="service_plan",
        object_id=plan.id,
        details={"period": label, "version": 1},
    )
    return plan


@dataclass(frozen=True)
class BudgetLine:
    item: str
    amount: str
    note: str


def clean_budget(lines: list[BudgetLine]) -> list[dict[str, str]]:
    """The budget lines with text, each amount a decimal number.

    :raises DomainError: for too many lines, overlong text or an amount that is not a number.
    """
    kept = [line for line in lines if line.item.strip() or line.amount.strip()]
    if len(kept) > BUDGET_LINES_MAX:
        raise DomainError(_l("At most %(n)d budget lines.", n=BUDGET_LINES_MAX))
    cleaned = []
    for line in kept:
        item, note = line.item.strip(), line.note.strip()
        if not item or len(item) > BUDGET_TEXT_MAX or len(note) > BUDGET_TEXT_MAX:
            raise DomainError(
                _l("Each budget line needs an item of at most %(n)d characters.", n=BUDGET_TEXT_MAX)
            )
        try:
            amount = Decimal(line.amount.strip().replace(",", ""))
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or not 0 <= amount < Decimal("1e12"):
            raise DomainError(_l("%(value)s is not an amount.", value=line.amount[:20]))
        cleaned.append(
            {"item": item, "amount": str(amount.quantize(Decimal("0.01"))), "note": note}
        )
    return cleaned


def save_plan(
    *,
    actor: User,
    plan: ServicePlan,
    narratives: dict[str, str],
    budget: list[BudgetLine],
    now: datetime,
) -> PlanVersion:
    """Save the narratives and budget, recomputing the figures. A draft is changed in place;
    once the latest version is approved, the edit becomes the next version, and the approved
    one stays as it was."""
    if not may_manage(actor):
        raise PermissionDenied(_l("Only supervisors write the service plan."))
    texts = {key: (narratives.get(key) or "").strip() for key in SECTIONS}
    if any(len(text) > NARRATIVE_MAX for text in texts.values()):
        raise DomainError(_l("Keep each section under %(n)d characters.", n=NARRATIVE_MAX))
    lines = clean_budget(budget)
    version = plan.latest
    if version.status != "draft":
        version = PlanVersion(plan_id=plan.id, number=version.number + 1, created_by_id=actor.id)
        db.session.add(version)
    version.narratives = {key: text for key, text in texts.items() if text}
    version.budget = lines
    version.figures = compose(plan.period)
    version.generated_at = now
    db.session.flush()
    db.session.refresh(plan)
    record(
        action=AuditAction.PLAN_SAVED,
        actor=actor,
        object_type="service_plan",
        object_id=plan.id,
        details={"period": plan.period, "version": version.number},
    )
    return version


def approve_plan(*, actor: User, plan: ServicePlan, now: datetime) -> PlanVersion:
    """Approve the draft as it stands: its figures, computed when it was last saved, are the
    plan's from now on."""
    if not may_manage(actor):
        raise PermissionDenied(_l("Only supervisors approve the service plan."))
    version = plan.latest
    if version.status != "draft":
        raise DomainError(_l("The latest version is approved already."))
    version.status = "approved"
    version.approved_at = now
    version.approved_by_id = actor.id
    db.session.flush()
    record(
        action=AuditAction.PLAN_APPROVED,
        actor=actor,
        object_type="service_plan",
        object_id=plan.id,
        details={"period": plan.period, "version": version.number},
    )
    return version


def review(plan: ServicePlan, today: date) -> dict[str, Any]:
    """Promised against achieved: each target of the plan's reference version (the approved
    one, else the latest) beside the KPI over the plan's own period so far, and each action
    with its outcome; the achieved figures are the next plan's starting point."""
    version = plan.approved or plan.latest
    period = parse_period(plan.period)
    achieved = kpi_figures(period)
    targets = []
    for key, promised in version.figures.get("targets", {}).items():
        value = achieved.get(key, {}).get("value")
        targets.append(
            {
                "key": key,
                "baseline": promised["actual"],
                "target": promised["target"],
                "direction": promised["direction"],
                "achieved": value,
                "basis": achieved.get(key, {}).get("basis", 0),
                "standing": standing(value, _Target(promised)).value,
            }
        )
    begin, end = period.start, period.end
    actions = db.session.scalars(
        select(ImprovementAction)
        .where(ImprovementAction.due_date >= begin, ImprovementAction.start_date < end)
        .order_by(ImprovementAction.due_date)
    )
    return {
        "version": version.number,
        "complete": today >= period.end,
        "targets": targets,
        "actions": list(actions),
    }


class _Target:
    """A promised target read like a ServiceTarget, for ``standing``."""

    def __init__(self, promised: dict[str, Any]) -> None:
        self.target = promised["target"]
        self.baseline = promised["baseline"]
        self.direction = promised["direction"]
