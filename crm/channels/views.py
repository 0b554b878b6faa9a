"""Staff pages of the case conversation: replying, noting, attachments (served only to who may
read the case), reply templates filled in, the customer said, a failed mail sent again."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.access import may_change_case
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.cases.access import case_for, case_to_change
from crm.cases.arrivals import link_customer
from crm.cases.views import render_case
from crm.channels import linking, outbox, thread
from crm.channels.attachments import PREVIEWED, path_of
from crm.channels.forms import MessageForm
from crm.channels.models import CaseAttachment, OutboundMail, ReplyTemplate
from crm.channels.providers import register_providers
from crm.core.ids import parse_id
from crm.customers.access import customer_for
from crm.customers.search import search_customers
from crm.customers.services import DuplicateCustomer
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.forms import apply_domain_error
from crm.i18n import gettext as _

bp = Blueprint("channels", __name__)
bp.record_once(register_providers)


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@permission_required(Permission.CASES_WORK)
def attachment(case_id: int, attachment_id: int) -> BaseResponse:
    case = case_for(signed_in_user(), case_id)
    found = db.session.get(CaseAttachment, attachment_id)
    if found is None or found.case_id != case.id:
        abort(404)
    response = send_file(
        path_of(found),
        mimetype=found.content_type,
        as_attachment=found.content_type not in PREVIEWED,
        download_name=found.filename,
    )
    # A customer's file is kept by no cache, like every page (send_file asks for revalidation).
    response.headers["Cache-Control"] = "no-store"
    return response


def _post_message(case_id: int, kind: str) -> BaseResponse | tuple[str, int]:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return render_case(case, message_form=form, message_kind=kind), 400
    uploads = [
        thread.Upload(file.filename or "", file.stream)
        for file in form.files.data or []
        if file and file.filename
    ]
    write = thread.reply if kind == "reply" else thread.add_note
    try:
        entry = write(actor=actor, case=case, body=form.body.data, now=utcnow(), uploads=uploads)
    except DomainError as error:
        db.session.rollback()
        # The page comes back with the text typed still in the box.
        apply_domain_error(form, error)
        return render_case(case, message_form=form, message_kind=kind), 400
    db.session.commit()
    if kind == "note":
        flash(_("Note added."), "success")
        if outside := thread.mentioned_outside(case, form.body.data, actor):
            flash(
                _(
                    "Not told, as they cannot open this case: %(names)s. Transfer the case or"
                    " ask a supervisor.",
                    names=", ".join(outside),
                ),
                "warning",
            )
    elif entry.message_id:
        flash(_("Reply queued for sending."), "success")
    else:
        flash(_("Reply posted on the customer's status page."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="thread-end"))


@bp.post("/cases/<int:case_id>/reply")
@permission_required(Permission.CASES_WORK)
def reply(case_id: int) -> BaseResponse | tuple[str, int]:
    return _post_message(case_id, "reply")


@bp.post("/cases/<int:case_id>/note")
@permission_required(Permission.CASES_WORK)
def note(case_id: int) -> BaseResponse | tuple[str, int]:
    return _post_message(case_id, "note")


@bp.get("/cases/<int:case_id>/template")
@permission_required(Permission.CASES_WORK)
def use_template(case_id: int) -> str:
    """The reply box with a template's text filled in (htmx swaps it in)."""
    case = case_for(signed_in_user(), case_id)
    template = db.session.get(ReplyTemplate, parse_id(request.args.get("template", "")) or 0)
    form = MessageForm(formdata=None)
    if template is not None and template.active:
        form.body.data = thread.fill_template(template, case)
    return render_template("channels/_body_field.html", form=form)


@bp.get("/cases/<int:case_id>/customer-search")
@permission_required(Permission.CASES_WORK)
def customer_search(case_id: int) -> str:
    """Customers found by what the agent typed, each one click from being the case's."""
    actor = signed_in_user()
    case = case_for(actor, case_id)
    hits = search_customers(request.args.get("q", "")[:100], limit=10)
    return render_template(
        "channels/_customer_choices.html",
        case=case,
        candidates=[hit.customer for hit in hits],
        may_change=may_change_case(actor, case),
        searched=True,
    )


@bp.post("/cases/<int:case_id>/customer")
@permission_required(Permission.CASES_WORK)
def set_customer(case_id: int) -> BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    try:
        if request.form.get("new"):
            linking.new_customer_from_sender(actor=actor, case=case, now=utcnow())
        else:
            customer = customer_for(actor, parse_id(request.form.get("customer_id", "")) or 0)
            link_customer(actor=actor, case=case, customer=customer, now=utcnow())
    except DuplicateCustomer:
        db.session.rollback()
        flash(_("A customer with this phone number exists already: choose them below."), "warning")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("The case is now the customer's."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/mails/<int:mail_id>/retry")
@permission_required(Permission.CASES_WORK)
def retry_mail(case_id: int, mail_id: int) -> BaseResponse:
    actor = signed_in_user()
    case = case_to_change(actor, case_id)
    mail = db.session.get(OutboundMail, mail_id)
    if mail is None or mail.case_id != case.id:
        abort(404)
    outbox.retry(actor=actor, mail=mail, now=utcnow())
    db.session.commit()
    flash(_("The e-mail will be sent again."), "success")
    return redirect(url_for("cases.show", case_id=case.id))
