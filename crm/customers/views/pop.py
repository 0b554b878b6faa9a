"""Screen pop (来电弹屏): the phone system opens /pop?phone=... on the agent's screen when a
call rings; the agent lands on the caller's record, a pre-filled new-customer form, or a
choice when several customers share the number."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.customers.phones import display_phone, normalise_phone
from crm.customers.search import customers_with_phone
from crm.errors import DomainError

bp = Blueprint("pop", __name__)


@bp.get("/pop")
@permission_required(Permission.CUSTOMERS_VIEW)
def screen_pop() -> str | BaseResponse:
    raw = request.args.get("phone", "")[:40]
    try:
        e164 = normalise_phone(raw)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("customers.index", q=raw))
    matches = customers_with_phone(e164)
    if len(matches) == 1:
        return redirect(url_for("customers.show", customer_id=matches[0].id))
    if not matches:
        return redirect(url_for("customers.create", phone=display_phone(e164)))
    return render_template("customers/pop_choice.html", phone=e164, customers=matches)
