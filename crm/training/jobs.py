"""The scheduler's training job: certificate expiry reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.auth.models import User
from crm.extensions import db
from crm.notifications.services import notify
from crm.timezones import department_today
from crm.training.models import Certificate, ExamAttempt, TrainingSession


def remind_expiring_certificates(now: datetime) -> int:
    """Tell the agent and the trainer, once, when an onboarding certificate expires within
    CRM_TRAINING_REMINDER_DAYS and no newer one replaces it."""
    today = department_today(now)
    horizon = today + timedelta(days=current_app.config["TRAINING_REMINDER_DAYS"])
    newer = aliased(Certificate)
    rows = db.session.execute(
        select(Certificate, User.display_name, TrainingSession.trainer_id)
        .join(User, User.id == Certificate.user_id)
        .join(ExamAttempt, ExamAttempt.id == Certificate.attempt_id)
        .join(TrainingSession, TrainingSession.id == ExamAttempt.session_id)
        .where(
            Certificate.expires_on.between(today, horizon),
            ~select(newer.id)
            .where(newer.user_id == Certificate.user_id, newer.expires_on > Certificate.expires_on)
            .exists(),
        )
    ).all()
    notices = []
    for certificate, name, trainer_id in rows:
        payload = {"agent": name, "date": certificate.expires_on.isoformat()}
        for user_id in {certificate.user_id, trainer_id}:
            notices.append(
                {
                    "user_id": user_id,
                    "kind": "certificate.expiring",
                    "subject_type": "certificate",
                    "subject_id": certificate.id,
                    "payload": payload,
                }
            )
    return notify(notices)
