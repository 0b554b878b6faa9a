"""Staff pages of the phone system's calls: the live pop of a ringing call on its agent's
screen (polled by every page), and the call figures report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.channels.call_reports import call_figures, period_days
from crm.channels.models import Call
from crm.core.links import register_object_page
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db
from crm.i18n import current_zone
from crm.timezones import parse_day, parse_month

bp = Blueprint("calls", __name__)

#: a ringing call stays on the agent's screen this long at most (unanswered calls end sooner)
POP_SECONDS = 120


def _call_page(call_id: int) -> str:
    """Where a notice about a call opens: the screen pop of the caller's number."""
    number = db.session.scalar(select(Call.from_number).where(Call.id == call_id))
    return url_for("pop.screen_pop", phone=number or "")


@bp.record_once
def _register(_state: Any) -> None:
    register_object_page("call", _call_page)


@bp.after_request
def _sign_in_in_the_window(response: BaseResponse) -> BaseResponse:
    """A poll whose session ended is sent to the sign-in page as a whole page (htmx's
    ``HX-Redirect``), not swapped into the pop's corner."""
    login = url_for("auth.login")
    polled = request.headers.get("HX-Request") == "true"
    if polled and response.status_code == 302 and urlsplit(response.location or "").path == login:
        return BaseResponse(status=204, headers={"HX-Redirect": login})
    return response


@bp.get("/calls/ringing")
@permission_required(Permission.INTERACTIONS_LOG)
def ringing() -> str:
    """The calls ringing for the signed-in agent now: one query on the ringing time's index."""
    now = utcnow()
    calls = db.session.execute(
        select(Call.from_number, Call.customer_id, Customer.name)
        .outerjoin(Customer, Customer.id == Call.customer_id)
        .where(
            Call.ringing_at >= now - timedelta(seconds=POP_SECONDS),
            Call.agent_id == signed_in_user().id,
            Call.answered_at.is_(None),
            Call.ended_at.is_(None),
            Call.missed_at.is_(None),
        )
        .order_by(Call.ringing_at.desc())
        .limit(3)
    ).all()
    return render_template("calls/_ringing.html", calls=calls)


def _chosen(raw: str | None, parse: Any) -> Any:
    try:
        return parse(raw) if raw else None
    except ValueError:
        return None


@bp.get("/reports/calls")
@permission_required(Permission.REPORTS_VIEW)
def report() -> str:
    zone = current_zone()
    today = datetime.now(zone).date()
    day = _chosen(request.args.get("day"), parse_day)
    month = _chosen(request.args.get("month"), parse_month)
    start, end, kind = period_days(day, month, today)
    return render_template(
        "calls/report.html",
        start=start,
        last_day=end - timedelta(days=1),
        kind=kind,
        figures=call_figures(start, end, zone),
        zone=zone,
    )
