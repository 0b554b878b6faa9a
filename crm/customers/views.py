"""Customer pages: the searchable list, the profile with its timeline, create and edit."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.audit.services import AuditAction, record
from crm.auth.models import User, UserRole
from crm.auth.permissions import Permission, Role, permission_required
from crm.auth.sessions import signed_in_user
from crm.customers import merge as merging
from crm.customers import saved_filters, services
from crm.customers.access import customer_for
from crm.customers.forms import CustomerForm, FeedbackForm, PurchaseForm, SavedFilterForm
from crm.customers.models import SavedFilter
from crm.customers.phones import split_phone_input
from crm.customers.queries import DEFAULT_SORT, CustomerFilters, customer_listing, export_rows
from crm.customers.search import search_customers
from crm.customers.timeline import KINDS, Cursor, timeline_page
from crm.errors import DomainError
from crm.exports import csv_response, xlsx_response
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.interactions.forms import InteractionForm
from crm.interactions.models import Category
from crm.timezones import local_now, local_to_utc

bp = Blueprint("customers", __name__, url_prefix="/customers")


def owner_choices() -> list[SelectChoice]:
    agents = db.session.execute(
        select(User.id, User.display_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.AGENT.value, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [SelectChoice("", _("Nobody"))] + [SelectChoice(str(uid), name) for uid, name in agents]


@bp.get("/")
@permission_required(Permission.CUSTOMERS_VIEW)
def index() -> str:
    filters = CustomerFilters.from_args(request.args.to_dict())
    if filters.deleted and not signed_in_user().can(Permission.CUSTOMERS_MANAGE):
        filters.deleted = False
    listing = customer_listing(
        filters,
        sort=request.args.get("sort", DEFAULT_SORT),
        page=request.args.get("page", 1, type=int),
    )
    saved = db.session.scalars(
        select(SavedFilter)
        .where(SavedFilter.user_id == signed_in_user().id)
        .order_by(SavedFilter.name)
    ).all()
    template = (
        "customers/_list_results.html"
        if request.headers.get("HX-Request")
        else "customers/list.html"
    )
    return render_template(
        template, listing=listing, filters=filters, owners=owner_choices(), saved=saved
    )


@bp.get("/quick-search")
@permission_required(Permission.CUSTOMERS_VIEW)
def quick_search() -> str:
    """Search-as-you-type: ranked hits for the box in the navigation bar."""
    query = request.args.get("q", "")
    return render_template(
        "customers/_quick_results.html", hits=search_customers(query), query=query
    )


def _profile_input(form: CustomerForm) -> services.ProfileInput:
    return services.ProfileInput(
        name=form.name.data or "",
        phones=split_phone_input(form.phones.data or ""),
        company=form.company.data,
        email=form.email.data,
        region=form.region.data,
        industry=form.industry.data,
        tags=(form.tags.data or "").replace("，", ",").split(","),
        notes=form.notes.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.CUSTOMERS_EDIT)
def create() -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    form = CustomerForm()
    form.owner_id.choices = owner_choices()
    duplicates = []
    if request.method == "GET" and request.args.get("phone"):
        form.phones.data = request.args["phone"][:40]
    if form.validate_on_submit():
        manage = actor.can(Permission.CUSTOMERS_MANAGE)
        try:
            customer = services.create_customer(
                actor=actor,
                data=_profile_input(form),
                tier=form.tier.data if manage else "normal",
                owner_id=int(form.owner_id.data) if manage and form.owner_id.data else None,
                allow_duplicate=form.allow_duplicate.data,
            )
        except services.DuplicateCustomer as warning:
            db.session.rollback()
            duplicates = warning.existing
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Customer %(name)s created.", name=customer.name), "success")
            return redirect(url_for("customers.show", customer_id=customer.id))
    status = 400 if form.is_submitted() else 200
    html = render_template("customers/form.html", form=form, customer=None, duplicates=duplicates)
    return html, status


@bp.get("/<int:customer_id>")
@permission_required(Permission.CUSTOMERS_VIEW)
def show(customer_id: int) -> str:
    customer = customer_for(signed_in_user(), customer_id)
    kinds, category = _timeline_filters()
    page = timeline_page(customer.id, kinds=kinds, category=category)
    interaction_form = InteractionForm(formdata=None, occurred_at=local_now())
    return render_template(
        "customers/show.html",
        customer=customer,
        page=page,
        kinds=kinds,
        category=category,
        interaction_form=interaction_form,
        purchase_form=PurchaseForm(formdata=None, purchased_at=local_now()),
        feedback_form=FeedbackForm(formdata=None, received_at=local_now()),
    )


def _timeline_filters() -> tuple[set[str] | None, str | None]:
    kind = request.args.get("kind", "")
    category = request.args.get("category", "")
    kinds = {kind} if kind in KINDS else None
    return kinds, category if category in {c.value for c in Category} else None


@bp.get("/<int:customer_id>/timeline")
@permission_required(Permission.CUSTOMERS_VIEW)
def timeline(customer_id: int) -> str:
    """The next page of the timeline, appended by htmx below the entries already shown."""
    customer = customer_for(signed_in_user(), customer_id)
    kinds, category = _timeline_filters()
    page = timeline_page(
        customer.id,
        cursor=Cursor.decode(request.args.get("cursor")),
        kinds=kinds,
        category=category,
    )
    return render_template(
        "customers/_timeline_entries.html",
        customer=customer,
        page=page,
        kinds=kinds,
        category=category,
    )


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.CUSTOMERS_EDIT)
def edit(customer_id: int) -> str | tuple[str, int] | BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = CustomerForm(obj=None if request.method == "POST" else customer)
    form.owner_id.choices = owner_choices()
    if request.method == "GET":
        _fill_form(form, customer)
    if form.validate_on_submit():
        manage = actor.can(Permission.CUSTOMERS_MANAGE)
        try:
            changes = services.update_customer(
                actor=actor,
                customer=customer,
                expected_version=int(form.version.data or 0),
                data=_profile_input(form),
                tier=form.tier.data if manage else None,
                owner_id=int(form.owner_id.data) if form.owner_id.data else None,
                change_owner=manage,
            )
        except services.StaleEdit as stale:
            db.session.rollback()
            flash(stale.message, "danger")
            db.session.refresh(customer)
            form = CustomerForm(formdata=None, obj=customer)
            form.owner_id.choices = owner_choices()
            _fill_form(form, customer)
            return render_template(
                "customers/form.html", form=form, customer=customer, duplicates=[]
            ), 409
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Saved.") if changes else _("Nothing was changed."),
                "success" if changes else "info",
            )
            return redirect(url_for("customers.show", customer_id=customer.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "customers/form.html", form=form, customer=customer, duplicates=[]
    ), status


def _fill_form(form: CustomerForm, customer) -> None:  # noqa: ANN001
    form.phones.data = "\n".join(phone.number for phone in customer.phones)
    form.tags.data = ", ".join(customer.tags or [])
    form.owner_id.data = str(customer.owner_id or "")
    form.tier.data = customer.tier
    form.version.data = str(customer.version)


@bp.post("/<int:customer_id>/delete")
@permission_required(Permission.CUSTOMERS_MANAGE)
def delete(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    services.delete_customer(actor=actor, customer=customer)
    db.session.commit()
    flash(
        _("%(name)s is deleted. A supervisor can restore the customer.", name=customer.name),
        "success",
    )
    return redirect(url_for("customers.index"))


@bp.post("/<int:customer_id>/restore")
@permission_required(Permission.CUSTOMERS_MANAGE)
def restore(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    services.restore_customer(actor=actor, customer=customer)
    db.session.commit()
    flash(_("%(name)s is restored.", name=customer.name), "success")
    return redirect(url_for("customers.show", customer_id=customer.id))


@bp.post("/<int:customer_id>/purchases")
@permission_required(Permission.CUSTOMERS_EDIT)
def add_purchase(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = PurchaseForm()
    if form.validate_on_submit():
        try:
            services.add_purchase(
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
        _flash_form_errors(form)
    return redirect(url_for("customers.show", customer_id=customer.id))


@bp.post("/<int:customer_id>/feedback")
@permission_required(Permission.CUSTOMERS_EDIT)
def add_feedback(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    customer = customer_for(actor, customer_id)
    form = FeedbackForm()
    if form.validate_on_submit():
        services.add_feedback(
            actor=actor,
            customer=customer,
            content=form.content.data,
            rating=form.rating.data,
            received_at=local_to_utc(form.received_at.data),
        )
        db.session.commit()
        flash(_("Feedback recorded."), "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for("customers.show", customer_id=customer.id))


def _flash_form_errors(form) -> None:  # noqa: ANN001
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "danger")


@bp.post("/saved-filters")
@permission_required(Permission.CUSTOMERS_VIEW)
def save_filter() -> BaseResponse:
    form = SavedFilterForm()
    params = dict(parse_qsl(form.params.data or "", keep_blank_values=False))
    if form.validate_on_submit():
        try:
            saved_filters.save_filter(actor=signed_in_user(), name=form.name.data, params=params)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Filter saved."), "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for("customers.index", **params))


@bp.post("/saved-filters/<int:filter_id>/delete")
@permission_required(Permission.CUSTOMERS_VIEW)
def delete_saved_filter(filter_id: int) -> BaseResponse:
    if not saved_filters.delete_filter(actor=signed_in_user(), filter_id=filter_id):
        abort(404)
    db.session.commit()
    flash(_("Filter deleted."), "success")
    return redirect(url_for("customers.index"))


@bp.get("/<int:customer_id>/merge")
@permission_required(Permission.CUSTOMERS_MANAGE)
def merge(customer_id: int) -> str | tuple[str, int]:
    """Choose the customer to keep, then see what the merge would move before confirming."""
    actor = signed_in_user()
    source = customer_for(actor, customer_id)
    target_id = request.args.get("target", type=int)
    if target_id is None:
        query = request.args.get("q", "")
        candidates = (
            [hit.customer for hit in search_customers(query)]
            if query
            else (
                services.find_duplicates(
                    phones=[p.number for p in source.phones],
                    email=source.email,
                    exclude_id=source.id,
                )
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
    return render_template("customers/merge_preview.html", preview=preview)


@bp.post("/<int:customer_id>/merge")
@permission_required(Permission.CUSTOMERS_MANAGE)
def confirm_merge(customer_id: int) -> BaseResponse:
    actor = signed_in_user()
    source = customer_for(actor, customer_id)
    target = customer_for(actor, request.form.get("target_id", type=int) or 0)
    try:
        merging.merge_customers(actor=actor, source=source, target=target)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("customers.merge", customer_id=source.id))
    db.session.commit()
    flash(
        _("%(source)s is merged into %(target)s.", source=source.name, target=target.name),
        "success",
    )
    return redirect(url_for("customers.show", customer_id=target.id))


EXPORT_FORMATS = {"csv": csv_response, "xlsx": xlsx_response}


@bp.post("/export")
@permission_required(Permission.CUSTOMERS_EXPORT)
def export() -> BaseResponse:
    """The filtered list as CSV or XLSX; a POST because every export is written to the audit
    log (personal data leaving the system)."""
    actor = signed_in_user()
    writer = EXPORT_FORMATS.get(request.form.get("format", ""))
    if writer is None:
        abort(400)
    filters = CustomerFilters.from_args(dict(parse_qsl(request.form.get("params", ""))))
    filters.deleted = False
    header, rows, count = export_rows(filters)
    record(
        action=AuditAction.CUSTOMERS_EXPORTED,
        actor=actor,
        details={"filters": filters.as_args(), "rows": count, "format": request.form["format"]},
    )
    db.session.commit()
    stamp = local_now().strftime("%Y%m%d-%H%M")
    basename = _("customers")
    return writer(f"{basename}-{stamp}.{request.form['format']}", header, rows)
