"""Importing Markdown files into drafts."""

from __future__ import annotations

from flask import flash, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.interactions.models import CATEGORY_LABELS
from crm.knowledge.forms import ImportForm
from crm.knowledge.imports import DOCX_MAX, import_markdown
from crm.knowledge.models import KB_CATEGORIES
from crm.knowledge.views.blueprint import bp


@bp.route("/import", methods=["GET", "POST"])
@permission_required(Permission.KNOWLEDGE_EDIT)
def import_files() -> str | tuple[str, int] | BaseResponse:
    form = ImportForm()
    form.category.choices = [(c, CATEGORY_LABELS[c]) for c in KB_CATEGORIES]
    made, refused = [], []
    if form.validate_on_submit():
        uploads = [
            (upload.filename or "", upload.read(DOCX_MAX + 1))
            for upload in request.files.getlist(form.files.name)
            if upload.filename
        ]
        try:
            made, refused = import_markdown(
                actor=signed_in_user(), files=uploads, category=form.category.data
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("%(count)s drafts made.", count=len(made)), "success" if made else "warning")
    status = 400 if form.is_submitted() and not made and not refused else 200
    return render_template("knowledge/import.html", form=form, made=made, refused=refused), status
