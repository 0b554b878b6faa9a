"""The plans blueprint: improvement actions and the service plan."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask.blueprints import BlueprintSetupState

from crm.core.links import register_object_page
from crm.plans.actions import actions_due_between, open_actions
from crm.reports.labels import KPI_LABELS, format_value
from crm.reports.scope import UNITS

bp = Blueprint("plans", __name__, url_prefix="/plans")


def _register(state: BlueprintSetupState) -> None:
    register_object_page(
        "improvement_action", lambda action_id: url_for("plans.action", action_id=action_id)
    )
    # The KPI tiles and drill-downs list a KPI's open actions: the reports templates ask this
    # global, so reports imports nothing from plans (ARCHITECTURE.md §13).
    state.app.jinja_env.globals["open_kpi_actions"] = open_actions
    # The quarterly quality report lists the actions due in its quarter, the same way.
    state.app.jinja_env.globals.update(
        improvement_actions_due=actions_due_between,
        plan_kpi_labels=KPI_LABELS,
        plan_units=UNITS,
        plan_format_value=format_value,
    )


bp.record_once(_register)
