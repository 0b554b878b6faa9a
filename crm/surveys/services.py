"""Survey rules: single-use links that expire, answers online or by phone, one per case, and a
follow-up complaint for a low score.

Functions flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.cases.models import Case, CaseStatus
from crm.cases.services import open_case, require_change
from crm.cases.supervisors import alert_supervisors
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.surveys.models import Survey


class SurveyUnavailable(DomainError):
    """The link cannot be used: ``reason`` is "unknown", "expired" or "answered"."""

    def __init__(self, reason: str) -> None:
        messages = {
            "unknown": _l("This survey link is not valid."),
            "expired": _l("This survey link has expired. Thank you all the same."),
            "answered": _l("This survey has already been answered. Thank you!"),
        }
        super().__init__(messages[reason])
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(*, actor: User, case: Case, now: datetime) -> str:
    """A fresh survey link token for a resolved case (a new one replaces any earlier link).

    :returns: the token, to be sent to the customer; only its hash is kept.
    :raises DomainError: when the case is not resolved or the survey was answered.
    """
    require_change(actor, case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise DomainError(_l("A survey is sent once the case is resolved."))
    survey = db.session.scalar(select(Survey).where(Survey.case_id == case.id))
    if survey is not None and survey.answered:
        raise DomainError(_l("This survey has already been answered. Thank you!"))
    token = secrets.token_urlsafe(24)
    expires = now + timedelta(days=current_app.config["SURVEY_EXPIRY_DAYS"])
    if survey is None:
        survey = Survey(case_id=case.id, customer_id=case.customer_id)
        db.session.add(survey)
    survey.token_hash, survey.sent_at, survey.expires_at = _hash(token), now, expires
    db.session.flush()
    record(
        action=AuditAction.SURVEY_SENT,
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"expires": expires.isoformat()},
    )
    return token


def survey_for_token(token: str, now: datetime) -> Survey:
    """The survey behind a link. :raises SurveyUnavailable: unknown, expired or answered."""
    survey = db.session.scalar(select(Survey).where(Survey.token_hash == _hash(token or "")))
    if survey is None:
        # An answered survey has no token any more; its link is simply unknown then.
        raise SurveyUnavailable("unknown")
    if survey.answered:
        raise SurveyUnavailable("answered")
    if now >= survey.expires_at:
        raise SurveyUnavailable("expired")
    return survey


def _rating(value: object, field: str) -> int:
    try:
        rating = int(str(value))
    except ValueError:
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_l("Choose from 1 to 5."), field=field)
    return rating


def answer(
    *,
    survey: Survey,
    attitude: object,
    efficiency: object,
    resolution: object,
    comment: str | None,
    now: datetime,
    recorded_by: User | None = None,
) -> Survey:
    """Record the customer's three ratings and comment; the link stops working. Any rating at
    or below CRM_SURVEY_LOW_SCORE opens a follow-up complaint case.

    :raises DomainError: (per field) for a rating outside 1-5; SurveyUnavailable when answered.
    """
    if survey.answered:
        raise SurveyUnavailable("answered")
    ratings = {
        "attitude": _rating(attitude, "attitude"),
        "efficiency": _rating(efficiency, "efficiency"),
        "resolution": _rating(resolution, "resolution"),
    }
    for field, value in ratings.items():
        setattr(survey, field, value)
    survey.comment = (comment or "").strip()[:2000] or None
    survey.answered_at = now
    survey.token_hash = None
    survey.channel = "phone" if recorded_by else "link"
    survey.recorded_by_id = recorded_by.id if recorded_by else None
    db.session.flush()
    case = survey.case
    if min(ratings.values()) <= current_app.config["SURVEY_LOW_SCORE"]:
        handler = recorded_by or case.assignee or db.session.get(User, case.opened_by_id)
        follow_up = open_case(
            actor=handler,
            customer=case.customer,
            subject=str(
                _l(
                    "Low satisfaction score on case #%(id)d: %(subject)s",
                    id=case.id,
                    subject=case.subject,
                )
            )[:200],
            category="complaint",
            priority="high",
            description=survey.comment,
            assignee=case.assignee,
            parent=case,
            now=now,
        )
        survey.follow_up_case_id = follow_up.id
        alert_supervisors(case, "case.low_score", score=min(ratings.values()))
    db.session.flush()
    record(
        action=AuditAction.SURVEY_ANSWERED,
        actor=recorded_by,
        object_type="case",
        object_id=case.id,
        details={**ratings, "channel": survey.channel},
    )
    return survey


def record_by_phone(
    *,
    actor: User,
    case: Case,
    attitude: object,
    efficiency: object,
    resolution: object,
    comment: str | None,
    now: datetime,
) -> Survey:
    """The answers a customer gave on the phone, typed by the agent (marked as such)."""
    require_change(actor, case)
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise DomainError(_l("A survey is sent once the case is resolved."))
    survey = db.session.scalar(select(Survey).where(Survey.case_id == case.id))
    if survey is None:
        survey = Survey(
            case_id=case.id,
            customer_id=case.customer_id,
            sent_at=now,
            expires_at=now,
            channel="phone",
        )
        db.session.add(survey)
        db.session.flush()
    return answer(
        survey=survey,
        attitude=attitude,
        efficiency=efficiency,
        resolution=resolution,
        comment=comment,
        now=now,
        recorded_by=actor,
    )
