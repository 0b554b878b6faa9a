"""A customer's consent, care dates, offers, data export and erasure (customer-scoped pages)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.customers.access import customer_for
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.timezones import local_now
from crm.value import care, consent, offers, pipl
from crm.value.forms import CareDateForm, ConsentForm, EraseForm
from crm.value.models import Erasure, Offer
from crm.value.providers import register_providers
from crm.value.queries import value_piece

bp = Blueprint("value", __name__, url_prefix="/value")
bp.record_once(register_providers)


def _page(customer_id: int, **forms: object) -> str:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    return render_template(
        "value/customer.html",
        customer=customer,
        piece=value_piece(customer, actor),
        history=consent.history_of(customer),
        care_dates=care.care_dates_of(customer),
        offers=offers.offers_for(customer),
        erased=db.session.scalar(db.select(Erasure).where(Erasure.customer_id == customer.id)),
        consent_form=forms.get("consent_form") or ConsentForm(given_on=local_now().date()),
        care_form=forms.get("care_form") or CareDateForm(),
        erase_form=EraseForm(),
    )


@bp.get("/customers/<int:customer_id>")
@permission_required(Permission.CUSTOMERS_EDIT)
def customer(customer_id: int) -> str:
    return _page(customer_id)


@bp.post("/customers/<int:customer_id>/consent")
@permission_required(Permission.CUSTOMERS_EDIT)
def record_consent(customer_id: int) -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            consent.record_consent(
                actor=actor,
                customer=customer,
                channel=form.channel.data,
                granted=form.granted.data == "1",
                source=form.source.data,
                given_on=form.given_on.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Consent recorded."), "success")
            return redirect(url_for("value.customer", customer_id=customer.id))
    return _page(customer_id, consent_form=form), 400


@bp.post("/customers/<int:customer_id>/care-date")
@permission_required(Permission.CUSTOMERS_EDIT)
def set_care_date(customer_id: int) -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = CareDateForm()
    if form.validate_on_submit():
        try:
            care.set_care_date(
                actor=actor, customer=customer, kind=form.kind.data, on_date=form.on_date.data
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Care date saved."), "success")
            return redirect(url_for("value.customer", customer_id=customer.id))
    return _page(customer_id, care_form=form), 400


@bp.post("/offers/<int:offer_id>/<any(made, accepted, declined):outcome>")
@permission_required(Permission.CUSTOMERS_EDIT)
def offer_outcome(offer_id: int, outcome: str) -> BaseResponse:
    actor = signed_in_user()
    offer = db.session.get(Offer, offer_id) or abort(404)
    customer = customer_for(actor, offer.customer_id)
    try:
        offers.record_outcome(actor=actor, offer=offer, status=outcome)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Offer outcome recorded."), "success")
    return redirect(url_for("customers.show", customer_id=customer.id))


@bp.post("/customers/<int:customer_id>/export")
@permission_required(Permission.CUSTOMERS_EXPORT)
def export(customer_id: int) -> Response:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    data = pipl.export_customer_data(actor=actor, customer=customer)
    db.session.commit()
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="customer-{customer.id}.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/customers/<int:customer_id>/erase")
@permission_required(Permission.CUSTOMERS_MANAGE)
def erase(customer_id: int) -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = EraseForm()
    if not form.validate_on_submit() or (form.confirm.data or "").strip() != str(customer.id):
        flash(_("Type the customer number to confirm the erasure."), "danger")
        return redirect(url_for("value.customer", customer_id=customer.id))
    try:
        pipl.erase_customer(actor=actor, customer=customer)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("The customer's personal data was erased."), "success")
    return redirect(url_for("value.customer", customer_id=customer.id))
