"""The admin's view of the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from crm.audit.forms import AuditFilterForm
from crm.audit.present import present
from crm.audit.queries import AuditFilter, audit_page
from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.core.ids import arg_id
from crm.extensions import db
from crm.i18n import gettext as _

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@permission_required(Permission.AUDIT_VIEW)
def index() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    users = db.session.execute(select(User.id, User.display_name).order_by(User.display_name))
    form.actor.choices = [SelectChoice("", _("Anyone"))] + [
        SelectChoice(str(uid), name) for uid, name in users
    ]
    valid = form.validate()
    filters = (
        AuditFilter(
            actor_id=int(form.actor.data) if form.actor.data else None,
            action=form.action.data or None,
            object_type=form.object_type.data or None,
            object_id=(form.object_id.data or "").strip() or None,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        if valid
        else AuditFilter()
    )
    page = audit_page(filters, before=arg_id("before"))
    older_url = (
        url_for("audit.index", **{**request.args.to_dict(), "before": page.next_before})
        if page.next_before
        else None
    )
    html = render_template(
        "audit/list.html",
        form=form,
        page=page,
        shown=present(page.entries),
        older_url=older_url,
    )
    return html, 200 if valid else 400
