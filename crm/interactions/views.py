"""Logging an interaction from the customer page; correcting and deleting one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.models import User
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.customers.access import customer_for
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import gettext as _
from crm.interactions import services
from crm.interactions.forms import DeleteInteractionForm, InteractionForm
from crm.interactions.models import Interaction
from crm.interactions.providers import register_providers
from crm.timezones import local_to_utc, utc_to_local

bp = Blueprint("interactions", __name__)
bp.record_once(register_providers)


def interaction_for(actor: User, interaction_id: int) -> Interaction:
    """The interaction if the actor may see its customer, else 404."""
    interaction = db.session.get(Interaction, interaction_id)
    if interaction is None:
        abort(404)
    customer_for(actor, interaction.customer_id)
    return interaction


def _fields(form: InteractionForm) -> dict:
    return {
        "channel": form.channel.data,
        "category": form.category.data,
        "direction": form.direction.data,
        "summary": form.summary.data,
        "details": form.details.data,
        "outcome": form.outcome.data,
        "occurred_at": local_to_utc(form.occurred_at.data),
    }


@bp.post("/customers/<int:customer_id>/interactions")
@permission_required(Permission.INTERACTIONS_LOG)
def log(customer_id: int) -> BaseResponse | tuple[str, int]:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = InteractionForm()
    if form.validate_on_submit():
        try:
            services.log_interaction(
                actor=actor, customer=customer, reached=not form.not_reached.data, **_fields(form)
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Interaction logged."), "success")
            # The id from the URL: reading it from the committed customer would load it again.
            return redirect(url_for("customers.show", customer_id=customer_id))
    return render_template(
        "interactions/form.html", form=form, customer=customer, interaction=None
    ), 400


@bp.route("/interactions/<int:interaction_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.INTERACTIONS_LOG)
def edit(interaction_id: int) -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    interaction = interaction_for(actor, interaction_id)
    if not services.can_correct(actor, interaction) or interaction.deleted_at is not None:
        abort(403)
    customer = customer_for(actor, interaction.customer_id)
    form = InteractionForm(obj=interaction)
    if not form.is_submitted():
        form.occurred_at.data = utc_to_local(interaction.occurred_at)
    if form.validate_on_submit():
        try:
            changes = services.correct_interaction(
                actor=actor, interaction=interaction, **_fields(form)
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Correction saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("customers.show", customer_id=customer.id))
    status = 400 if form.is_submitted() else 200
    html = render_template(
        "interactions/form.html",
        form=form,
        customer=customer,
        interaction=interaction,
        delete_form=DeleteInteractionForm(formdata=None),
    )
    return html, status


@bp.post("/interactions/<int:interaction_id>/delete")
@permission_required(Permission.INTERACTIONS_MODERATE)
def delete(interaction_id: int) -> BaseResponse:
    actor = signed_in_user()
    interaction = interaction_for(actor, interaction_id)
    form = DeleteInteractionForm()
    if form.validate_on_submit():
        services.delete_interaction(actor=actor, interaction=interaction, reason=form.reason.data)
        db.session.commit()
        flash(_("The entry is deleted; it stays in the audit log."), "success")
    else:
        flash(_("Give the reason for deleting this entry."), "danger")
        return redirect(url_for("interactions.edit", interaction_id=interaction.id))
    return redirect(url_for("customers.show", customer_id=interaction.customer_id))
