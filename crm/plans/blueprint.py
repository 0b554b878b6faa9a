"""The plans blueprint: improvement actions and the service plan."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, g, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy.orm import joinedload, lazyload

from crm.auth.models import User
from crm.core.links import register_object_page
from crm.plans.actions import actions_due_between, open_actions
from crm.plans.models import ImprovementAction
from crm.reports.labels import KPI_LABELS, format_value
from crm.reports.scope import UNITS

bp = Blueprint("plans", __name__, url_prefix="/plans")
#: what a KPI's list of actions shows: each action's owner, not the comments or the owner's roles
_LISTED = (
    lazyload(ImprovementAction.comments),
    joinedload(ImprovementAction.owner).lazyload(User.role_rows),
)


def open_kpi_actions(kpi_key: str) -> list[ImprovementAction]:
    """``open_actions(kpi_key)``, read for every KPI in one statement a request: the dashboard
    asks once for each of its nine tiles, and nine statements (each with the comments and the
    owner's roles) cost it ~5 ms of CPU. Kept on ``g``, so for one request only; the page is
    drawn after whatever the request changed."""
    grouped = g.get("open_kpi_actions")
    if grouped is None:
        grouped = defaultdict(list)
        for action in open_actions(options=_LISTED):
            grouped[action.kpi_key].append(action)
        g.open_kpi_actions = grouped
    return grouped.get(kpi_key, [])


def _register(state: BlueprintSetupState) -> None:
    register_object_page(
        "improvement_action", lambda action_id: url_for("plans.action", action_id=action_id)
    )
    # The KPI tiles and drill-downs list a KPI's open actions: the reports templates ask this
    # global, so reports imports nothing from plans (ARCHITECTURE.md §13).
    state.app.jinja_env.globals["open_kpi_actions"] = open_kpi_actions
    # The quarterly quality report lists the actions due in its quarter, the same way.
    state.app.jinja_env.globals.update(
        improvement_actions_due=actions_due_between,
        plan_kpi_labels=KPI_LABELS,
        plan_units=UNITS,
        plan_format_value=format_value,
    )


bp.record_once(_register)
