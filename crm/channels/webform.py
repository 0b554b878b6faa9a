"""The customer's side, without sign-in: the contact form that opens a case, and the case's
status page (reached by its secret link) where the customer reads the public replies and
answers. Both only turn what was typed into an ``InboundMessage`` for ``receive``
(ARCHITECTURE.md §16); the rules stay there.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from crm.cases.models import Case, CaseStatus
from crm.channels.attachments import PREVIEWED, path_of
from crm.channels.inbound import InboundAttachment, InboundMessage, receive
from crm.channels.models import CaseAttachment, CaseMessage, MessageChannel, MessageKind
from crm.channels.portal import case_for_token, issue_link, link_issued_now
from crm.channels.webform_forms import AnswerForm, ContactForm, new_form
from crm.core.errors import MESSAGES
from crm.core.limits import body_over_limit
from crm.database import utcnow
from crm.extensions import db
from crm.i18n import current_language
from crm.i18n import gettext as _
from crm.i18n import lazy_gettext as _l
from crm.ratelimit import allow

public = Blueprint("webform", __name__)

#: a case's subject is the first line of the message, cut to this many characters
SUBJECT_CHARS = 80
#: the session key that carries the case number and link to the thank-you page, once
RECEIPT = "contact_receipt"
#: the conversation the customer sees: their own messages and the public replies, never notes
PUBLIC_KINDS = (MessageKind.INBOUND.value, MessageKind.REPLY.value)
#: the case's status as the customer would say it
CUSTOMER_STATUS = {
    CaseStatus.NEW: _l("We received it"),
    CaseStatus.ACCEPTED: _l("We received it"),
    CaseStatus.IN_PROGRESS: _l("Being handled"),
    CaseStatus.REOPENED: _l("Being handled"),
    CaseStatus.WAITING: _l("Waiting for your answer"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _l("Closed"),
}


def _within_rate_limit(kind: str) -> None:
    """One more message from this client (its address as the proxy gave it, see ProxyFix in
    ``create_app``); a 429 page past the hourly limit."""
    if not allow(
        f"{kind}:{request.remote_addr}",
        limit=current_app.config["CONTACT_FORM_RATE_LIMIT"],
        window=timedelta(hours=1),
        now=utcnow(),
    ):
        db.session.commit()
        abort(429)


def _subject_of(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= SUBJECT_CHARS else first[: SUBJECT_CHARS - 1] + "…"


def _attachments(form: AnswerForm) -> list[InboundAttachment]:
    upload: FileStorage | None = form.attachment.data
    return [InboundAttachment(upload.filename or "", upload.stream)] if upload else []


@public.route("/contact", methods=["GET", "POST"])
def contact() -> str | tuple[str, int] | BaseResponse:
    form = new_form(ContactForm)
    if request.method == "POST" and form.website.data:
        # Answered like a person, so the robot learns nothing; nothing is kept but the count.
        _within_rate_limit("contact")
        db.session.commit()
        session[RECEIPT] = {}
        return redirect(url_for(".thanks"))
    if not form.validate_on_submit():
        html = render_template("channels/public/contact.html", form=form)
        return html, 400 if form.errors else 200
    _within_rate_limit("contact")
    received = receive(
        InboundMessage(
            channel=MessageChannel.WEB.value,
            external_id=f"web.{uuid.uuid4().hex}",
            subject=_subject_of(form.message.data),
            body_text=form.message.data.strip(),
            received_at=utcnow(),
            sender_name=form.name.data.strip(),
            sender_address=form.email.data or None,
            sender_phone=form.phone.data or None,
            category=form.category.data,
            attachments=_attachments(form),
            locale=current_language().locale,
        )
    )
    case = db.session.get(Case, received.case)
    # The acknowledgement's link when one was mailed (a new one would end it), else a new one.
    link = link_issued_now(case) or issue_link(case)
    db.session.commit()
    session[RECEIPT] = {"case": case.id, "link": link, "mailed": bool(form.email.data)}
    return redirect(url_for(".thanks"))


@public.get("/contact/thanks")
def thanks() -> str | BaseResponse:
    """Shown once: the link is taken out of the session (a shared computer keeps no trace)."""
    receipt = session.pop(RECEIPT, None)
    if receipt is None:
        return redirect(url_for(".contact"))
    return render_template("channels/public/thanks.html", receipt=receipt)


def _invalid_link() -> tuple[str, int]:
    # The same page whether the case exists, was answered by a newer link or never existed.
    return render_template("channels/public/invalid_link.html"), 404


@public.route("/status/<token>", methods=["GET", "POST"])
def status(token: str) -> str | tuple[str, int] | BaseResponse:
    case = case_for_token(token)
    if case is None:
        return _invalid_link()
    form = new_form(AnswerForm)
    if form.validate_on_submit():
        _within_rate_limit("answer")
        received = receive(
            InboundMessage(
                channel=MessageChannel.PORTAL.value,
                external_id=f"portal.{uuid.uuid4().hex}",
                subject=case.subject,
                body_text=form.message.data.strip(),
                received_at=utcnow(),
                sender_name=case.requester_name or (case.customer.name if case.customer else None),
                case_id=case.id,
                attachments=_attachments(form),
                locale=current_language().locale,
            )
        )
        if received.case == case.id:
            db.session.commit()
            flash(_("Thank you, your message has been added to your request."), "success")
            return redirect(url_for(".status", token=token))
        # A closed case is not reopened: the answer opened a follow-up with a page of its own.
        follow_up = db.session.get(Case, received.case)
        link = issue_link(follow_up)
        db.session.commit()
        flash(
            _(
                "Case #%(old)d was closed, so your message opened case #%(new)d. This is its "
                "page: keep this link.",
                old=case.id,
                new=follow_up.id,
            ),
            "info",
        )
        return redirect(url_for(".status", token=link.rsplit("/", 1)[-1]))
    messages = db.session.scalars(
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id, CaseMessage.kind.in_(PUBLIC_KINDS))
        .options(selectinload(CaseMessage.attachments))
        .order_by(CaseMessage.created_at, CaseMessage.id)
    ).all()
    html = render_template(
        "channels/public/status.html",
        case=case,
        token=token,
        status_label=CUSTOMER_STATUS[CaseStatus(case.status)],
        messages=messages,
        form=form,
    )
    return html, 400 if form.errors else 200


@public.get("/status/<token>/attachments/<int:attachment_id>")
def attachment(token: str, attachment_id: int) -> BaseResponse | tuple[str, int]:
    case = case_for_token(token)
    if case is None:
        return _invalid_link()
    found = db.session.get(CaseAttachment, attachment_id)
    message = db.session.get(CaseMessage, found.message_id) if found and found.message_id else None
    if found is None or found.case_id != case.id or message is None:
        abort(404)
    if message.kind not in PUBLIC_KINDS:
        abort(404)
    response = send_file(
        path_of(found),
        mimetype=found.content_type,
        as_attachment=found.content_type not in PREVIEWED,
        download_name=found.filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@public.after_request
def keep_private(response: BaseResponse) -> BaseResponse:
    """The status page's address is its key: no other site learns it from a link, and no
    search engine keeps these pages."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@public.errorhandler(CSRFError)
def expired_form(_error: CSRFError) -> tuple[str, int]:
    if request.mimetype == "multipart/form-data" and request.content_length and not request.form:
        # Werkzeug drops a whole multipart body whose part headers are not UTF-8 (a file name
        # in GBK from a non-browser client), so the token seems missing; say what happened.
        message = _(
            "We could not read what you sent; the attached file's name may be in an unusual "
            "encoding. Please rename the file with plain letters and send again."
        )
    else:
        message = _("The form has expired or was sent from elsewhere. Please reload and try again.")
    html = render_template(
        "channels/public/error.html", code=400, title=MESSAGES[400][0], message=message
    )
    return html, 400


@public.errorhandler(HTTPException)
def public_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    """Errors in the customer's layout, without the staff's navigation."""
    code = error.code or 500
    if code < 400:
        return error
    title, message = MESSAGES.get(code, MESSAGES[500])
    if code == 413:
        limit = body_over_limit()
        message = (
            _("The upload is larger than the %(limit)s allowed.", limit=limit)
            if limit
            else _("Your message is too long for the form. Please shorten it and send it again.")
        )
    elif code == 429:
        message = _(
            "You have sent us several messages in the last hour. Please try again later; "
            "what you sent already has reached us."
        )
    html = render_template("channels/public/error.html", code=code, title=title, message=message)
    return html, code
