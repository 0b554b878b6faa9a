"""Fetch-and-authorize for QA reviews: views load them only through here."""

from __future__ import annotations

from flask import abort

from crm.access import may_read_review
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.extensions import db
from crm.qa.models import CalibrationSession, Review


def review_for(actor: User, review_id: int) -> Review:
    """The review if ``actor`` may read it, else 404 (existence is not confirmed).

    Agents read their own reviews once submitted; QA reviewers and supervisors read every
    counted review. A calibration review stays with its reviewer until the session closes.
    """
    review = db.session.get(Review, review_id)
    if review is None or not may_read_review(actor, review):
        abort(404)
    return review


def calibration_for(actor: User, session_id: int) -> CalibrationSession:
    session = db.session.get(CalibrationSession, session_id)
    if session is None or not actor.can(Permission.QA_REVIEW):
        abort(404)
    return session
