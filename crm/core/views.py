"""The home page, the language switch and the health endpoints."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from crm.auth import services as auth_services
from crm.auth.forms import LanguageForm
from crm.auth.sessions import signed_in_user
from crm.core.health import readiness
from crm.core.home import POLL_SECONDS, section_data, sections_for
from crm.database import utcnow
from crm.extensions import db
from crm.security import is_safe_next

bp = Blueprint("core", __name__)


@bp.get("/")
@login_required
def home() -> str:
    """The signed-in user's workspace: the sections of each of their roles."""
    actor, now = signed_in_user(), utcnow()
    sections = sections_for(actor)
    return render_template(
        "core/home.html",
        sections=sections,
        data=section_data(sections, actor, now),
        now=now,
        poll_seconds=POLL_SECONDS,
    )


@bp.post("/language")
def set_language() -> BaseResponse:
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            auth_services.set_preferences(
                user=signed_in_user(), locale=form.locale.data, timezone=current_user.timezone
            )
            db.session.commit()
    target = form.next.data or ""
    return redirect(target if is_safe_next(target) else url_for("core.home"))


@bp.get("/favicon.ico")
def favicon() -> BaseResponse:
    """Browsers and bookmark tools ask the root for the icon whatever the page links; the
    fingerprinted file it points to is cached for a year."""
    return redirect(url_for("static", filename="favicon.ico"))


@bp.get("/healthz")
def healthz() -> tuple[BaseResponse, int]:
    return jsonify(status="ok"), 200


@bp.get("/readyz")
def readyz() -> tuple[BaseResponse, int]:
    ready, checks = readiness()
    return jsonify(status="ready" if ready else "not ready", **checks), 200 if ready else 503
