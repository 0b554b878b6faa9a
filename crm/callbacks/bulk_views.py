"""Planning the key accounts of a region in bulk: pick, preview, confirm."""

from __future__ import annotations

from collections import Counter

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.callbacks import bulk
from crm.callbacks.forms import BulkPlanForm
from crm.callbacks.views import _agent_choices, _today, bp
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import ngettext


def _agents(form: BulkPlanForm) -> list[User]:
    ids = [int(value) for value in form.agents.data or [] if value.isdigit()]
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


@bp.route("/plans/bulk", methods=["GET", "POST"])
@permission_required(Permission.CALLBACKS_PLAN)
def bulk_plans() -> str | tuple[str, int] | BaseResponse:
    """The first POST ("preview") shows the planned calls and creates nothing; the second
    ("confirm") creates exactly what was previewed, or shows the new preview if it changed."""
    actor = signed_in_user()
    form = BulkPlanForm()
    form.agents.choices = _agent_choices()
    if request.method == "GET":
        form.start_date.data = _today()
    preview = None
    if form.validate_on_submit():
        inputs = {
            "actor": actor,
            "region": (form.region.data or "").strip() or None,
            "agents": _agents(form),
            "start_date": form.start_date.data,
        }
        try:
            if request.form.get("step") == "confirm":
                created = bulk.bulk_create_plans(
                    **inputs,
                    purpose=form.purpose.data,
                    script=form.script.data,
                    previewed=form.previewed.data or "",
                )
                db.session.commit()
                flash(
                    ngettext(
                        "%(num)d key account now has monthly callbacks.",
                        "%(num)d key accounts now have monthly callbacks.",
                        len(created),
                    ),
                    "success",
                )
                return redirect(url_for("callbacks.plans"))
            preview = bulk.preview_bulk_plans(**inputs)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            preview = _fresh_preview(inputs)
    if preview is not None:
        form.previewed.data = preview.fingerprint
    status = 400 if form.is_submitted() and preview is None else 200
    html = render_template(
        "callbacks/bulk_form.html",
        form=form,
        regions=bulk.key_account_regions(),
        preview=preview,
        per_agent=Counter(row.agent.display_name for row in preview.rows) if preview else {},
    )
    return html, status


def _fresh_preview(inputs: dict) -> bulk.BulkPreview | None:
    try:
        return bulk.preview_bulk_plans(**inputs)
    except DomainError:
        return None
