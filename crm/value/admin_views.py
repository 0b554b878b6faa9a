"""The value overview, settings, offer rules and marketing lists (supervisor pages)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import Select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from crm.audit.services import AuditAction, record
from crm.auth.permissions import Permission, permission_required
from crm.auth.sessions import signed_in_user
from crm.database import utcnow
from crm.errors import DomainError
from crm.exports import csv_response
from crm.extensions import db
from crm.forms import Form, apply_domain_error
from crm.i18n import gettext as _
from crm.timezones import department_today, local_now
from crm.value import settings
from crm.value.consent import marketing_rows
from crm.value.forms import OfferRuleForm
from crm.value.models import CHANNEL_LABELS, ConsentChannel, OfferRule, SegmentRule
from crm.value.offers import measure, save_rule
from crm.value.queries import movement, previous_month, segment_counts, segment_names
from crm.value.retention import RETENTION_LABELS, retention_days
from crm.value.rfm import NO_PURCHASES, month_of, thresholds
from crm.value.views import bp


def _int(name: str) -> int:
    raw = (request.form.get(name) or "").strip()
    if not raw.isdigit() or len(raw) > 6:
        raise DomainError(_("Enter a whole number."), field=name)
    return int(raw)


@bp.get("/")
@permission_required(Permission.REPORTS_VIEW)
def overview() -> str:
    month = month_of(department_today(utcnow()))
    rules = db.session.scalars(select_rules()).all()
    return render_template(
        "value/overview.html",
        names=segment_names(),
        counts=segment_counts(),
        no_purchases=NO_PURCHASES,
        moves=movement(month),
        month=month,
        last_month=previous_month(month),
        rules=[(rule, measure(rule)) for rule in rules],
    )


def select_rules() -> Select[tuple[OfferRule]]:
    return db.select(OfferRule).order_by(OfferRule.active.desc(), OfferRule.id.desc())


@bp.get("/settings")
@permission_required(Permission.CUSTOMERS_MANAGE)
def settings_page() -> str:
    return render_template(
        "value/settings.html",
        form=Form(),
        limits=thresholds(),
        segments=settings.segment_rule_list(),
        retention=retention_days(),
        retention_labels=RETENTION_LABELS,
    )


def _saved(action: Callable[[], object]) -> BaseResponse:
    form = Form()
    if not form.validate_on_submit():
        abort(400)
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("Settings saved. Segments are recomputed at the scheduler's next turn."), "success")
    return redirect(url_for("value.settings_page"))


@bp.post("/settings/thresholds")
@permission_required(Permission.CUSTOMERS_MANAGE)
def save_thresholds() -> BaseResponse:
    return _saved(
        lambda: settings.save_thresholds(
            actor=signed_in_user(),
            recency=request.form.get("recency", "")[:100],
            frequency=request.form.get("frequency", "")[:100],
            monetary=request.form.get("monetary", "")[:100],
            window_days=_int("window_days"),
        )
    )


@bp.post("/settings/segments/<int:rule_id>")
@permission_required(Permission.CUSTOMERS_MANAGE)
def save_segment(rule_id: int) -> BaseResponse:
    rule = db.session.get(SegmentRule, rule_id) or abort(404)
    return _saved(
        lambda: settings.save_segment(
            actor=signed_in_user(),
            rule=rule,
            name=request.form.get("name", "")[:100],
            ranges={k: (_int(f"{k}_min"), _int(f"{k}_max")) for k in "rfm"},
        )
    )


@bp.post("/settings/retention")
@permission_required(Permission.USERS_MANAGE)
def save_retention() -> BaseResponse:
    return _saved(
        lambda: settings.save_retention(
            actor=signed_in_user(), days={kind: _int(kind) for kind in retention_days()}
        )
    )


@bp.route("/offers/new", methods=["GET", "POST"])
@bp.route("/offers/<int:rule_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.CUSTOMERS_MANAGE)
def offer_rule(rule_id: int | None = None) -> str | tuple[str, int] | BaseResponse:
    rule = (db.session.get(OfferRule, rule_id) or abort(404)) if rule_id else None
    form = OfferRuleForm(obj=rule)
    form.segment.choices = [SelectChoice(code, name) for code, name in segment_names().items()]
    if form.validate_on_submit():
        try:
            rule = save_rule(
                actor=signed_in_user(),
                rule=rule,
                name=form.name.data,
                segment=form.segment.data,
                min_days_since_purchase=form.min_days_since_purchase.data,
                text=form.text.data,
                code=form.code.data,
                valid_days=form.valid_days.data,
                control_percent=form.control_percent.data,
                active=form.active.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Offer rule saved."), "success")
            return redirect(url_for("value.overview") + "#offers")
    status = 400 if form.is_submitted() else 200
    return render_template("value/offer_rule.html", form=form, rule=rule), status


@bp.get("/marketing")
@permission_required(Permission.CUSTOMERS_EXPORT)
def marketing() -> str:
    return render_template(
        "value/marketing.html", form=Form(), channels=CHANNEL_LABELS, names=segment_names()
    )


@bp.post("/marketing/export")
@permission_required(Permission.CUSTOMERS_EXPORT)
def marketing_export() -> BaseResponse:
    """Only customers whose consent in force on the channel is a grant; audited."""
    form = Form()
    channel = request.form.get("channel", "")
    segment = request.form.get("segment") or None
    if not form.validate_on_submit() or channel not in {c.value for c in ConsentChannel}:
        abort(400)
    if segment is not None and segment not in segment_names():
        abort(400)
    rows = list(marketing_rows(channel, segment=segment))
    record(
        action=AuditAction.MARKETING_EXPORTED,
        actor=signed_in_user(),
        details={"channel": channel, "segment": segment, "rows": len(rows)},
    )
    db.session.commit()
    header = [_("Customer number"), _("Name"), str(CHANNEL_LABELS[ConsentChannel(channel)])]
    stamp = local_now().strftime("%Y%m%d-%H%M")
    return csv_response(f"marketing-{channel}-{stamp}.csv", header, rows)
