"""Calibration sessions: set one up, score blind through the review page, reveal the result."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.auth.models import User
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.interactions.models import Interaction
from crm.qa import calibration, queries
from crm.qa.access import calibration_for
from crm.qa.forms import CalibrationForm
from crm.qa.models import Scorecard
from crm.qa.scorecards import active_scorecards
from crm.qa.views.blueprint import bp


def _form() -> CalibrationForm:
    form = CalibrationForm()
    form.scorecard.choices = [SelectChoice(s.id, s.name) for s in active_scorecards()]
    form.reviewers.choices = [SelectChoice(uid, name) for uid, name in active_agents(Role.QA)]
    return form


@bp.route("/calibrations", methods=["GET", "POST"])
@permission_required(Permission.QA_REVIEW)
def calibrations() -> BaseResponse | tuple[str, int]:
    form = _form()
    if form.validate_on_submit():
        interaction = db.session.get(Interaction, form.interaction_id.data)
        if interaction is None:
            form.interaction_id.errors = [_("No interaction has this number.")]
        else:
            try:
                session = calibration.create_session(
                    actor=signed_in_user(),
                    title=form.title.data,
                    interaction=interaction,
                    scorecard=db.get_or_404(Scorecard, form.scorecard.data),
                    reviewers=[db.session.get(User, uid) for uid in form.reviewers.data],
                    now=utcnow(),
                )
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("Calibration session created."), "success")
                return redirect(url_for("qa.calibration_session", session_id=session.id))
    html = render_template(
        "qa/calibrations.html", form=form, sessions=queries.calibration_sessions()
    )
    return html, 400 if form.is_submitted() else 200


@bp.get("/calibrations/<int:session_id>")
@permission_required(Permission.QA_REVIEW)
def calibration_session(session_id: int) -> str:
    session = calibration_for(signed_in_user(), session_id)
    return render_template(
        "qa/calibration.html",
        session=session,
        participants=calibration.participants(session),
        result=calibration.results(session) if session.closed_at else None,
    )


@bp.post("/calibrations/<int:session_id>/close")
@permission_required(Permission.QA_REVIEW)
def close_calibration(session_id: int) -> BaseResponse:
    session = calibration_for(signed_in_user(), session_id)
    try:
        calibration.close_session(actor=signed_in_user(), session=session, now=utcnow())
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
    return redirect(url_for("qa.calibration_session", session_id=session.id))
