"""The signed-in user's notifications and their settings."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.sessions import signed_in_user
from crm.core.ids import parse_id
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import current_zone, ngettext
from crm.i18n import gettext as _
from crm.notifications import inbox, preferences
from crm.notifications.describe import describe
from crm.notifications.kinds import EMAIL_LABELS, KIND_LABELS, link
from crm.notifications.models import EmailMode

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index() -> str:
    raw_digest = request.args.get("digest")
    digest_id = parse_id(raw_digest) if raw_digest is not None else None
    found = inbox.listing(
        signed_in_user(), current_zone(), after=request.args.get("after"), digest_id=digest_id
    )
    if found is None or (raw_digest is not None and digest_id is None):
        abort(404)
    return render_template(
        "notifications/list.html",
        listing=found,
        describe=describe,
        link=link,
        kind_labels=KIND_LABELS,
    )


def _back() -> BaseResponse:
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> BaseResponse:
    inbox.mark_read(signed_in_user(), notification_id)
    db.session.commit()
    return _back()


@bp.post("/read-group")
@login_required
def read_group() -> BaseResponse:
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)
    count = inbox.mark_group_read(
        signed_in_user(), day=day, kind=request.form.get("kind", "")[:40], zone=current_zone()
    )
    db.session.commit()
    flash(
        ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", count),
        "info",
    )
    return _back()


@bp.post("/read-all")
@login_required
def read_all() -> BaseResponse:
    count = inbox.mark_read(signed_in_user())
    db.session.commit()
    flash(
        ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", count),
        "info",
    )
    return _back()


@bp.get("/settings")
@login_required
def settings() -> str:
    return render_template(
        "notifications/settings.html",
        settings=preferences.settings_for(signed_in_user()),
        kind_labels=KIND_LABELS,
        email_labels=EMAIL_LABELS,
    )


@bp.post("/settings")
@login_required
def update_settings() -> BaseResponse | tuple[str, int]:
    chosen = [
        preferences.KindSetting(
            kind,
            in_app=request.form.get(f"in_app-{kind}") == "on",
            email=request.form.get(f"email-{kind}", EmailMode.IMMEDIATE.value),
        )
        for kind in KIND_LABELS
    ]
    try:
        preferences.update_settings(actor=signed_in_user(), settings=chosen)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return settings(), 400
    db.session.commit()
    flash(_("Notification settings saved."), "success")
    return redirect(url_for("notifications.settings"))
