"""The public survey page (no sign-in), the staff's survey actions, and the figures."""

from __future__ import annotations

import calendar
from datetime import timedelta

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.access import case_to_change
from crm.channels.thread import invite_to_survey
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.ratelimit import allow
from crm.surveys import queries, services
from crm.surveys.providers import register_providers
from crm.timezones import local_day_end_utc, local_day_start_utc, month_from_arg

public = Blueprint("survey", __name__, url_prefix="/s")
staff = Blueprint("surveys", __name__)
staff.record_once(register_providers)


def masked_name(name: str) -> str:
    """Only the first character of the customer's name: 张** for 张三丰."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def _limited() -> None:
    key = f"survey:{request.remote_addr}"
    if not allow(
        key,
        limit=current_app.config["SURVEY_RATE_LIMIT"],
        window=timedelta(minutes=10),
        now=utcnow(),
    ):
        db.session.commit()
        abort(429)


@public.route("/<token>", methods=["GET", "POST"])
def respond(token: str) -> str | tuple[str, int]:
    """Step 1 (GET) shows the questions and changes nothing, so link scanners in mail and chat
    apps cannot answer; step 2 (POST) records the answer."""
    _limited()
    now = utcnow()
    try:
        survey = services.survey_for_token(token, now)
    except services.SurveyUnavailable as unavailable:
        db.session.commit()
        return render_template(
            "surveys/closed.html", message=unavailable.message
        ), 404 if unavailable.reason == "unknown" else 410
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.answer(
                survey=survey,
                attitude=request.form.get("attitude", ""),
                efficiency=request.form.get("efficiency", ""),
                resolution=request.form.get("resolution", ""),
                comment=request.form.get("comment"),
                now=now,
            )
        except DomainError as error:
            db.session.rollback()
            errors[error.field or ""] = str(error.message)
        else:
            db.session.commit()
            return render_template("surveys/closed.html", message=_("Thank you for your answers!"))
    db.session.commit()
    html = render_template(
        "surveys/respond.html",
        name=masked_name(survey.case.customer.name),
        subject=survey.case.subject,
        errors=errors,
        form=request.form,
    )
    return html, 400 if errors else 200


@staff.post("/cases/<int:case_id>/survey/link")
@permission_required(Permission.CASES_WORK)
def create_link(case_id: int) -> str | BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    try:
        token = services.create_link(actor=actor, case=case, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("cases.show", case_id=case.id))
    link = url_for("survey.respond", token=token, _external=True)
    invitation = invite_to_survey(case=case, link=link, now=utcnow())
    db.session.commit()
    if invitation is not None:
        flash(
            _("The survey link is being e-mailed to %(address)s.", address=invitation.to_address),
            "success",
        )
    qr = segno.make(link, error="m").svg_data_uri(scale=4)
    return render_template("surveys/link.html", case=case, link=link, qr=qr)


@staff.post("/cases/<int:case_id>/survey/phone")
@permission_required(Permission.CASES_WORK)
def record_phone(case_id: int) -> BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    try:
        services.record_by_phone(
            actor=actor,
            case=case,
            attitude=request.form.get("attitude", ""),
            efficiency=request.form.get("efficiency", ""),
            resolution=request.form.get("resolution", ""),
            comment=request.form.get("comment"),
            now=utcnow(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The customer's answers are recorded."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@staff.get("/surveys/figures")
@permission_required(Permission.CASES_SUPERVISE)
def survey_figures() -> str:
    month = month_from_arg(request.args.get("month"), utcnow(), closed=True)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    start, end = local_day_start_utc(month), local_day_end_utc(last)
    return render_template("surveys/figures.html", month=month, figures=queries.figures(start, end))
