"""Merging duplicate customers: choose, preview with a choice per field, confirm; undo."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.core.ids import arg_id
from crm.core.providers import merge_providers
from crm.customers import merge as merging
from crm.customers import services
from crm.customers.access import customer_for, merge_for
from crm.customers.blueprint import bp
from crm.customers.merge_undo import UndoRefused, undo_blockers, undo_merge
from crm.customers.search import search_customers
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _


@bp.get("/<int:customer_id>/merge")
@permission_required(Permission.CUSTOMERS_MANAGE)
def merge(customer_id: int) -> str | tuple[str, int]:
    """Choose the customer to keep, then see what the merge would move before confirming."""
    actor = signed_in_user()
    source = customer_for(actor, customer_id)
    target_id = arg_id("target")
    if target_id is None:
        query = request.args.get("q", "")
        candidates = (
            [hit.customer for hit in search_customers(query)]
            if query
            # Suggested by phone only: a shared e-mail never makes two people one (identity).
            else services.find_duplicates(
                phones=[p.number for p in source.phones], exclude_id=source.id
            )
        )
        candidates = [c for c in candidates if c.id != source.id]
        return render_template(
            "customers/merge_choose.html", source=source, candidates=candidates, query=query
        )
    target = customer_for(actor, target_id)
    try:
        preview = merging.preview_merge(actor=actor, source=source, target=target)
    except DomainError as error:
        flash(error.message, "danger")
        return render_template(
            "customers/merge_choose.html", source=source, candidates=[], query=""
        ), 400
    return render_template(
        "customers/merge_preview.html", preview=preview, shown=merging.shown_value
    )


@bp.post("/<int:customer_id>/merge")
@permission_required(Permission.CUSTOMERS_MANAGE)
def confirm_merge(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    source = customer_for(actor, customer_id)
    target = customer_for(actor, request.form.get("target_id", type=int) or 0)
    try:
        merging.merge_customers(
            actor=actor,
            source=source,
            target=target,
            choices={name: request.form.get(f"field-{name}", "") for name in merging.FIELD_LABELS},
            expected_version=request.form.get("target_version", type=int),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("customers.merge", customer_id=source.id, target=target.id))
    db.session.commit()
    flash(
        _("%(source)s is merged into %(target)s.", source=source.name, target=target.name),
        "success",
    )
    return redirect(url_for("customers.show", customer_id=target.id))


@bp.get("/merges/<int:merge_id>")
@permission_required(Permission.CUSTOMERS_MANAGE)
def merge_record(merge_id: int) -> str:
    """What a merge did, and whether it can still be undone (and if not, why)."""
    merge = merge_for(signed_in_user(), merge_id)
    return render_template(
        "customers/merge_record.html",
        merge=merge,
        blockers=undo_blockers(merge),
        labels=merging.FIELD_LABELS,
        move_labels={provider.name: provider.label for provider in merge_providers()},
        shown=merging.shown_value,
    )


@bp.post("/merges/<int:merge_id>/undo")
@permission_required(Permission.CUSTOMERS_MANAGE)
def undo(merge_id: int) -> BaseResponse:
    actor = signed_in_user()
    merge = merge_for(actor, merge_id)
    try:
        undo_merge(actor=actor, merge=merge)
    except UndoRefused as refused:
        db.session.rollback()
        flash(refused.message, "danger")
        return redirect(url_for("customers.merge_record", merge_id=merge_id))
    db.session.commit()
    flash(
        _(
            "The merge is undone: %(source)s is back with its records.",
            source=merge.source.name,
        ),
        "success",
    )
    return redirect(url_for("customers.show", customer_id=merge.source_id))
