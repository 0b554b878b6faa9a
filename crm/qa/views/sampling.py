"""The period's sample: coverage, the draw, the list of reviews, the reviewer's queue."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.auth.permissions import Permission, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.core.ids import arg_id
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import flash_form_errors
from crm.i18n import gettext as _
from crm.qa import queries, quotas, sampling
from crm.qa.forms import DrawForm
from crm.qa.models import REASON_LABELS, STATUS_LABELS, Scorecard
from crm.qa.scorecards import active_scorecards
from crm.qa.views.blueprint import bp
from crm.timezones import department_today, parse_day


def _period_from_arg(raw: str | None) -> tuple[date, date]:
    try:
        day = parse_day(raw or "")
    except ValueError:
        day = department_today(utcnow())
    return quotas.period_of(day)


def _int_arg(name: str) -> int:
    return request.args.get(name, 0, type=int) or 0


@bp.get("/")
@permission_required(Permission.QA_VIEW)
def overview() -> str:
    start, end = _period_from_arg(request.args.get("period"))
    form = DrawForm(day=start)
    form.scorecard.choices = [SelectChoice(s.id, s.name) for s in active_scorecards()]
    page = queries.review_listing(
        period_start=start,
        status=request.args.get("status", ""),
        agent_id=arg_id("agent") or 0,
        reason=request.args.get("reason", ""),
        sort=request.args.get("sort", ""),
        page=_int_arg("page") or 1,
    )
    return render_template(
        "qa/overview.html",
        start=start,
        last_day=end - timedelta(days=1),
        coverage=quotas.coverage(start, end),
        page=page,
        form=form,
        agents=active_agents(),
        status_labels=STATUS_LABELS,
        reason_labels=REASON_LABELS,
    )


@bp.post("/draw")
@permission_required(Permission.QA_REVIEW)
def draw() -> BaseResponse:
    form = DrawForm()
    form.scorecard.choices = [SelectChoice(s.id, s.name) for s in active_scorecards()]
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("qa.overview"))
    scorecard = db.get_or_404(Scorecard, form.scorecard.data)
    try:
        result = sampling.draw_sample(
            actor=signed_in_user(), day=form.day.data, scorecard=scorecard, now=utcnow()
        )
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("qa.overview", period=form.day.data.isoformat()))
    db.session.commit()
    flash(
        _(
            "%(added)d interactions added to the sample (%(unassigned)d without a reviewer).",
            added=result.added,
            unassigned=result.unassigned,
        ),
        "success",
    )
    return redirect(url_for("qa.overview", period=result.draw.period_start.isoformat()))


@bp.get("/queue")
@permission_required(Permission.QA_REVIEW)
def queue() -> str:
    actor = signed_in_user()
    return render_template(
        "qa/queue.html",
        mine=queries.queue_of(actor),
        unassigned=queries.unassigned(actor),
        status_labels=STATUS_LABELS,
        reason_labels=REASON_LABELS,
    )
