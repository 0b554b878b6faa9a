"""The KPI dashboard, its drill-downs and exports, the agent scorecard, service targets and the
kept monthly reports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.audit.services import AuditAction, record
from crm.auth.permissions import Permission, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.exports import csv_response, xlsx_response
from crm.extensions import db
from crm.i18n import gettext as _
from crm.i18n import ngettext
from crm.interactions.models import CATEGORY_LABELS
from crm.reports.dashboard import tiles
from crm.reports.drill import drill
from crm.reports.home import register_home_sections
from crm.reports.labels import COLUMN_LABELS, KPI_LABELS, UNIT_SUFFIX, format_value, labelled
from crm.reports.models import MonthlyReport
from crm.reports.monthly import kept_figures, period_figures
from crm.reports.scope import KPI_KEYS, NO_CATEGORY, UNITS, Filters, Period
from crm.reports.scorecard import PARTS, agent_scorecard
from crm.reports.targets import TargetInput, all_targets, display_value, standing, update_targets
from crm.teams.queries import team_choices
from crm.timezones import utc_to_local

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.record_once(register_home_sections)
EXPORT_FORMATS = ("csv", "xlsx")


def _selection() -> tuple[Period, Filters, dict[str, str]]:
    """The period and filters asked for, and the arguments that reproduce them in links."""
    args = request.args.to_dict()
    period = Period.parse(args, utcnow())
    filters = Filters.parse(args)
    kept = period.as_args()
    if filters.agent_id is not None:
        kept["agent"] = str(filters.agent_id)
    if filters.category is not None:
        kept["category"] = filters.category
    if filters.team_id is not None:
        kept["team"] = str(filters.team_id)
    return period, filters, kept


def _common() -> dict[str, Any]:
    return {
        "kpi_labels": KPI_LABELS,
        "format_value": format_value,
        "units": UNITS,
        "unit_suffix": UNIT_SUFFIX,
        "agents": active_agents(),
        "categories": CATEGORY_LABELS,
        "teams": team_choices(),
    }


@bp.get("/")
@permission_required(Permission.REPORTS_VIEW)
def dashboard() -> str:
    period, filters, kept = _selection()
    shown = period_figures(period, filters)
    return render_template(
        "reports/dashboard.html",
        period=period,
        filters=filters,
        kept=kept,
        shown=shown,
        tiles=tiles(period, filters, shown),
        mode=period.kind,
        **_common(),
    )


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_to_local(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _export(name: str, header: list[str], rows: list[list[Any]]) -> BaseResponse:
    actor = signed_in_user()
    if not actor.can(Permission.CUSTOMERS_EXPORT):
        abort(403)
    record(
        action=AuditAction.REPORT_EXPORTED,
        actor=actor,
        object_type="report",
        object_id=name,
        details={"rows": len(rows), "query": request.query_string.decode()[:300]},
    )
    db.session.commit()
    table = [[_cell(value) for value in row] for row in rows]
    if request.args.get("format") == "xlsx":
        return xlsx_response(f"{name}.xlsx", header, table)
    return csv_response(f"{name}.csv", header, table)


@bp.get("/kpi/<key>")
@permission_required(Permission.REPORTS_VIEW)
def kpi(key: str) -> str | BaseResponse:
    if key not in KPI_KEYS:
        abort(404)
    period, filters, kept = _selection()
    table = drill(key, period, filters)
    header = [str(COLUMN_LABELS[column]) for column in table.header]
    table.rows = labelled(table.header, table.rows)
    if request.args.get("format") in EXPORT_FORMATS:
        return _export(f"{key}-{period.start.isoformat()}", header, table.rows)
    shown = period_figures(period, filters)
    return render_template(
        "reports/drill.html",
        key=key,
        period=period,
        filters=filters,
        kept=kept,
        header=header,
        table=table,
        shown=shown,
        standing=standing(display_value(shown.figures[key]), all_targets().get(key)),
        display_value=display_value,
        not_split=filters.category is not None and key in NO_CATEGORY,
        **_common(),
    )


@bp.get("/agents")
@permission_required(Permission.REPORTS_VIEW)
def agents() -> str | BaseResponse:
    # The scorecard lists every agent: an agent or category filter the dashboard carried in its
    # link is dropped, and each row links on with its own agent.
    period = Period.parse(request.args.to_dict(), utcnow())
    kept = period.as_args()
    rows = agent_scorecard(period)
    targets = all_targets()
    if request.args.get("format") in EXPORT_FORMATS:
        header = [_("Agent"), *(str(KPI_LABELS[key]) for key in PARTS), _("Composite")]
        table = [
            [
                row.name,
                *(display_value(row.figures[key]) for key in PARTS),
                None if row.composite is None else round(row.composite, 1),
            ]
            for row in rows
        ]
        return _export(f"agent-scorecard-{period.start.isoformat()}", header, table)
    return render_template(
        "reports/agents.html",
        period=period,
        kept=kept,
        rows=rows,
        parts=PARTS,
        targets=targets,
        display_value=display_value,
        standing=standing,
        mode=period.kind,
        **_common(),
    )


def _decimal(raw: str | None) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DomainError(_("%(value)s is not a number.", value=raw[:20])) from None
    if not value.is_finite() or abs(value) >= Decimal("1000000"):
        raise DomainError(_("%(value)s is not a number.", value=raw[:20]))
    return value


@bp.route("/targets", methods=["GET", "POST"])
@permission_required(Permission.TARGETS_MANAGE)
def targets() -> str | tuple[str, int] | BaseResponse:
    current = all_targets()
    status = 200
    if request.method == "POST":
        try:
            changes = []
            for key in current:
                goal = _decimal(request.form.get(f"{key}-target"))
                if goal is None:
                    raise DomainError(_("Every KPI needs a target: %(kpi)s.", kpi=KPI_LABELS[key]))
                changes.append(
                    TargetInput(
                        key,
                        _decimal(request.form.get(f"{key}-baseline")),
                        goal,
                        _decimal(request.form.get(f"{key}-weight")),
                    )
                )
            changed = update_targets(actor=signed_in_user(), changes=changes, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = 400
        else:
            db.session.commit()
            flash(
                ngettext("%(num)d target changed.", "%(num)d targets changed.", changed), "success"
            )
            return redirect(url_for("reports.targets"))
    html = render_template(
        "reports/targets.html",
        targets=all_targets(),
        scorecard_parts=PARTS,
        **_common(),
    )
    return html, status


@bp.get("/monthly")
@permission_required(Permission.REPORTS_VIEW)
def monthly_list() -> str:
    reports = list(
        db.session.scalars(select(MonthlyReport).order_by(MonthlyReport.month.desc()).limit(36))
    )
    return render_template("reports/monthly_list.html", reports=reports)


@bp.get("/monthly/<month>")
@permission_required(Permission.REPORTS_VIEW)
def monthly(month: str) -> str:
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        abort(404)
    report = db.session.scalar(select(MonthlyReport).where(MonthlyReport.month == first))
    if report is None:
        abort(404)
    figures = kept_figures(report)
    rows = []
    for key in KPI_KEYS:
        figure = figures.get(key)
        if figure is None:
            continue
        kept_target = report.data["targets"].get(key)
        judged = standing(
            display_value(figure), SimpleNamespace(**kept_target) if kept_target else None
        )
        rows.append((key, figure, kept_target, judged))
    return render_template(
        "reports/monthly.html",
        report=report,
        rows=rows,
        period=Period.month(first),
        display_value=display_value,
        **_common(),
    )
