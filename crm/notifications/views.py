"""The signed-in user's notifications."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.sessions import signed_in_user
from crm.extensions import db
from crm.i18n import ngettext
from crm.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index() -> str:
    return render_template(
        "notifications/list.html",
        notifications=services.recent(signed_in_user()),
        describe=services.describe,
        link=services.link,
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> BaseResponse:
    services.mark_read(signed_in_user(), notification_id)
    db.session.commit()
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all() -> BaseResponse:
    count = services.mark_read(signed_in_user())
    db.session.commit()
    flash(
        ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", count),
        "info",
    )
    return redirect(url_for("notifications.index"))
