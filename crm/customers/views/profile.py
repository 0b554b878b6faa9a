"""Customer pages: the searchable list, the profile with its timeline, create, edit, delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.auth.permissions import Permission, permission_required
from crm.auth.queries import active_agents
from crm.auth.sessions import signed_in_user
from crm.core.providers import customer_facets, summary_pieces
from crm.customers import services
from crm.customers.access import customer_for
from crm.customers.blueprint import bp
from crm.customers.forms import CustomerForm
from crm.customers.identity import email_shared_with
from crm.customers.merge_undo import merges_of
from crm.customers.models import SavedFilter
from crm.customers.phones import doubtful_phones, split_phone_input
from crm.customers.queries import DEFAULT_SORT, CustomerFilters, customer_listing
from crm.customers.search import search_customers
from crm.customers.timeline import Cursor, kind_choices, timeline_kinds, timeline_page
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _
from crm.interactions.forms import InteractionForm
from crm.interactions.models import Category
from crm.timezones import local_now


def owner_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("Nobody"))] + [
        SelectChoice(str(uid), name) for uid, name in active_agents()
    ]


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
        template,
        listing=listing,
        filters=filters,
        owners=owner_choices(),
        saved=saved,
        facets=customer_facets(),
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
            for number in doubtful_phones([phone.number for phone in customer.phones]):
                flash(
                    _("%(phone)s is possible but not in a known number range.", phone=number),
                    "warning",
                )
            shared = email_shared_with(customer.email, exclude_id=customer.id)
            if shared:
                flash(
                    _(
                        "The e-mail is also used by %(names)s, who stay as they are.",
                        names=", ".join(f"{c.name} (#{c.id})" for c in shared),
                    ),
                    "warning",
                )
            return redirect(url_for("customers.show", customer_id=customer.id))
    status = 400 if form.is_submitted() else 200
    html = render_template("customers/form.html", form=form, customer=None, duplicates=duplicates)
    return html, status


@bp.get("/<int:customer_id>")
@permission_required(Permission.CUSTOMERS_VIEW)
def show(customer_id: int) -> str:
    viewer = signed_in_user()
    customer = customer_for(viewer, customer_id)
    kinds, category = _timeline_filters()
    page = timeline_page(customer.id, viewer=viewer, kinds=kinds, category=category)
    interaction_form = InteractionForm(formdata=None, occurred_at=local_now())
    if request.args.get("log") == "1":
        # Opened to log a call (e.g. "Call" on the agent's home): the cursor waits in the form.
        interaction_form.summary.render_kw = {
            **(interaction_form.summary.render_kw or {}),
            "autofocus": True,
        }
    return render_template(
        "customers/show.html",
        customer=customer,
        summary=summary_pieces(customer, viewer),
        page=page,
        kinds=kinds,
        kind_choices=kind_choices(),
        category=category,
        interaction_form=interaction_form,
        merges=merges_of(customer) if viewer.can(Permission.CUSTOMERS_MANAGE) else [],
    )


def _timeline_filters() -> tuple[set[str] | None, str | None]:
    kind = request.args.get("kind", "")
    category = request.args.get("category", "")
    kinds = {kind} if kind in timeline_kinds() else None
    return kinds, category if category in {c.value for c in Category} else None


@bp.get("/<int:customer_id>/timeline")
@permission_required(Permission.CUSTOMERS_VIEW)
def timeline(customer_id: int) -> str:
    """The next page of the timeline, appended by htmx below the entries already shown."""
    viewer = signed_in_user()
    customer = customer_for(viewer, customer_id)
    kinds, category = _timeline_filters()
    page = timeline_page(
        customer.id,
        viewer=viewer,
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
