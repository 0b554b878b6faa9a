"""Editors' page for the category tree: subcategories under the four service categories."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.interactions.models import CATEGORY_LABELS
from crm.knowledge import categories
from crm.knowledge.forms import RenameForm, SubcategoryForm
from crm.knowledge.models import KB_CATEGORIES, Subcategory
from crm.knowledge.views.blueprint import bp


def _page(form: SubcategoryForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "knowledge/categories.html",
        form=form,
        tree=categories.tree(include_drafts=True),
        category_names={c: CATEGORY_LABELS[c] for c in KB_CATEGORIES},
    ), status


def _form() -> SubcategoryForm:
    form = SubcategoryForm()
    form.category.choices = [(c, CATEGORY_LABELS[c]) for c in KB_CATEGORIES]
    return form


@bp.get("/categories")
@permission_required(Permission.KNOWLEDGE_EDIT)
def categories_page() -> tuple[str, int]:
    return _page(_form())


@bp.post("/categories")
@permission_required(Permission.KNOWLEDGE_EDIT)
def add_category() -> tuple[str, int] | BaseResponse:
    form = _form()
    if form.validate_on_submit():
        try:
            categories.add_subcategory(
                actor=signed_in_user(), category=form.category.data, name=form.name.data
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Subcategory added."), "success")
            return redirect(url_for("knowledge.categories_page"))
    return _page(form, 400)


def _subcategory(subcategory_id: int) -> Subcategory:
    sub = db.session.get(Subcategory, subcategory_id)
    if sub is None:
        abort(404)
    return sub


@bp.post("/categories/<int:subcategory_id>/rename")
@permission_required(Permission.KNOWLEDGE_EDIT)
def rename_category(subcategory_id: int) -> BaseResponse:
    sub = _subcategory(subcategory_id)
    form = RenameForm()
    if not form.validate_on_submit():
        flash(_("Give the subcategory a name."), "danger")
        return redirect(url_for("knowledge.categories_page"))
    try:
        categories.rename_subcategory(actor=signed_in_user(), subcategory=sub, name=form.name.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Subcategory renamed."), "success")
    return redirect(url_for("knowledge.categories_page"))


@bp.post("/categories/<int:subcategory_id>/delete")
@permission_required(Permission.KNOWLEDGE_EDIT)
def delete_category(subcategory_id: int) -> BaseResponse:
    categories.delete_subcategory(actor=signed_in_user(), subcategory=_subcategory(subcategory_id))
    db.session.commit()
    flash(_("Subcategory removed; its articles stay in the category above."), "success")
    return redirect(url_for("knowledge.categories_page"))
