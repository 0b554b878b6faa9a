"""Adding purchases and feedback from the customer page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.customers import records
from crm.customers.access import customer_for
from crm.customers.blueprint import bp
from crm.customers.forms import FeedbackForm, PurchaseForm
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import Form, flash_form_errors
from crm.i18n import gettext as _
from crm.timezones import local_now, local_to_utc


def _record_form(customer_id: int, form: Form, partial: str, heading: str) -> str:
    """The form alone for the customer page, which fetches it when its section is opened; a
    whole page when followed as a link (scripts off)."""
    customer = customer_for(signed_in_user(), customer_id)
    if request.headers.get("HX-Request"):
        return render_template(partial, customer=customer, form=form)
    return render_template(
        "customers/record_form.html", customer=customer, form=form, partial=partial, heading=heading
    )


@bp.get("/<int:customer_id>/purchases/new")
@permission_required(Permission.CUSTOMERS_EDIT)
def purchase_form(customer_id: int) -> str:
    form = PurchaseForm(formdata=None, purchased_at=local_now())
    return _record_form(customer_id, form, "customers/_purchase_form.html", _("Record a purchase"))


@bp.get("/<int:customer_id>/feedback/new")
@permission_required(Permission.CUSTOMERS_EDIT)
def feedback_form(customer_id: int) -> str:
    form = FeedbackForm(formdata=None, received_at=local_now())
    return _record_form(customer_id, form, "customers/_feedback_form.html", _("Record feedback"))


@bp.post("/<int:customer_id>/purchases")
@permission_required(Permission.CUSTOMERS_EDIT)
def add_purchase(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = PurchaseForm()
    if form.validate_on_submit():
        try:
            records.add_purchase(
                actor=actor,
                customer=customer,
                product=form.product.data,
                amount=form.amount.data,
                purchased_at=local_to_utc(form.purchased_at.data),
                order_number=form.order_number.data,
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Purchase recorded."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("customers.show", customer_id=customer.id))


@bp.post("/<int:customer_id>/feedback")
@permission_required(Permission.CUSTOMERS_EDIT)
def add_feedback(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = FeedbackForm()
    if form.validate_on_submit():
        records.add_feedback(
            actor=actor,
            customer=customer,
            content=form.content.data,
            rating=form.rating.data,
            received_at=local_to_utc(form.received_at.data),
        )
        db.session.commit()
        flash(_("Feedback recorded."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("customers.show", customer_id=customer.id))
