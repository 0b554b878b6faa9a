"""Training rules: topics, sessions, exam results, certificates (attendance: attendance.py).

Functions flush; the caller commits.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission, Role
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.qa.training_loop import plan_assignments
from crm.training.models import (
    Certificate,
    ExamAttempt,
    Participant,
    SessionKind,
    TrainingSession,
    TrainingTopic,
)
from crm.training.scores import exact_score, kept_score, mark_score, passes


def _require_trainer(actor: User) -> None:
    if not actor.can(Permission.TRAINING_MANAGE):
        raise PermissionDenied(_l("Only trainers manage training."))


def require_owner(actor: User, session: TrainingSession) -> None:
    """Trainers own their sessions; an administrator may act on any.

    :raises PermissionDenied: for anyone else.
    """
    _require_trainer(actor)
    if session.trainer_id != actor.id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_l("This session belongs to another trainer."))


def add_topic(*, actor: User, name: str) -> TrainingTopic:
    _require_trainer(actor)
    name = (name or "").strip()[:60]
    if not name:
        raise DomainError(_l("Enter the topic's name."), field="name")
    if db.session.scalar(select(func.count()).where(TrainingTopic.name == name)):
        raise DomainError(_l("This topic exists already."), field="name")
    topic = TrainingTopic(name=name)
    db.session.add(topic)
    db.session.flush()
    return topic


def set_topic_active(*, actor: User, topic: TrainingTopic, active: bool) -> None:
    _require_trainer(actor)
    topic.active = active
    db.session.flush()


def _check_marks(max_score: Decimal, pass_mark: Decimal) -> None:
    if max_score <= 0 or max_score > 1000:
        raise DomainError(
            _l("The maximum score must be above 0 (at most 1000)."), field="max_score"
        )
    if not 0 <= pass_mark <= max_score:
        raise DomainError(
            _l("The pass mark must lie between 0 and the maximum."), field="pass_mark"
        )


def create_session(
    *,
    actor: User,
    title: str,
    kind: str,
    trainer: User,
    starts_at: datetime,
    duration_minutes: int,
    month: date,
    topics: Sequence[TrainingTopic],
    invited: Iterable[User],
    location: str | None = None,
    max_score: Decimal | str = Decimal("100"),
    pass_mark: Decimal | str = Decimal("60"),
) -> TrainingSession:
    """Plan a session with its exam. :raises DomainError: naming the field at fault."""
    _require_trainer(actor)
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Enter the session's title."), field="title")
    if kind not in {k.value for k in SessionKind}:
        raise DomainError(_l("Choose the kind of session."), field="kind")
    if not trainer.has_role(Role.TRAINER) and not trainer.has_role(Role.ADMIN):
        raise DomainError(_l("Choose a trainer."), field="trainer_id")
    if not 0 < duration_minutes <= 24 * 60:
        raise DomainError(_l("The duration is in minutes, up to a day."), field="duration_minutes")
    maximum, mark = mark_score(max_score, "max_score"), mark_score(pass_mark, "pass_mark")
    _check_marks(maximum, mark)
    session = TrainingSession(
        title=title[:200],
        kind=kind,
        trainer_id=trainer.id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=(location or "").strip()[:300] or None,
        month=month.replace(day=1),
        max_score=maximum,
        pass_mark=mark,
        topics=list(topics),
        participants=[Participant(user_id=user.id) for user in {u.id: u for u in invited}.values()],
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    record(
        action=AuditAction.TRAINING_SESSION_CREATED,
        actor=actor,
        object_type="training_session",
        object_id=session.id,
        details={"title": session.title, "invited": len(session.participants)},
    )
    # The people QA assigned its topics to leave the trainer's queue.
    plan_assignments(
        session.id, [p.user_id for p in session.participants], [t.id for t in session.topics]
    )
    return session


def invite(*, actor: User, session: TrainingSession, users: Iterable[User]) -> int:
    """Add staff to a session; those already invited are left as they are."""
    require_owner(actor, session)
    present = {p.user_id for p in session.participants}
    added = [Participant(user_id=user.id) for user in users if user.id not in present]
    session.participants.extend(added)
    db.session.flush()
    return len(added)


def change_exam_marks(
    *, actor: User, session: TrainingSession, max_score: Decimal | str, pass_mark: Decimal | str
) -> None:
    """Change the exam's maximum and pass mark for attempts recorded from now on; past attempts
    keep the marks they were scored against."""
    require_owner(actor, session)
    maximum, mark = mark_score(max_score, "max_score"), mark_score(pass_mark, "pass_mark")
    _check_marks(maximum, mark)
    before = {"max_score": str(session.max_score), "pass_mark": str(session.pass_mark)}
    session.max_score, session.pass_mark = maximum, mark
    db.session.flush()
    record(
        action=AuditAction.TRAINING_MARKS_CHANGED,
        actor=actor,
        object_type="training_session",
        object_id=session.id,
        details={k: [before[k], str(getattr(session, k))] for k in before},
    )


class RowErrors(DomainError):
    """Some rows of a grid are invalid; nothing was saved. ``errors`` maps user id -> message."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_l("Some rows are not valid; nothing was saved."))
        self.errors = errors


@dataclass(frozen=True)
class ScoreEntry:
    user_id: int
    score: str
    taken_on: date


def check_scores(
    session: TrainingSession, entries: Sequence[ScoreEntry]
) -> tuple[dict[int, Decimal], dict[int, int], dict[int, str]]:
    """Validate score entries without saving: (scores by user, attempts so far by user, errors
    by user), the scores exact as typed. Used by the grid, the import's dry run, the paste
    preview and ``record_scores``."""
    invited = {p.user_id for p in session.participants}
    counts = dict(
        db.session.execute(
            select(ExamAttempt.user_id, func.count())
            .where(ExamAttempt.session_id == session.id)
            .group_by(ExamAttempt.user_id)
        ).all()
    )
    allowed = current_app.config["TRAINING_MAX_ATTEMPTS"]
    errors: dict[int, str] = {}
    scores: dict[int, Decimal] = {}
    for entry in entries:
        if entry.user_id not in invited:
            errors[entry.user_id] = str(_l("Not invited to this session."))
            continue
        if entry.user_id in scores:
            errors[entry.user_id] = str(_l("Entered twice."))
            continue
        try:
            score = exact_score(entry.score, "score")
        except DomainError as error:
            errors[entry.user_id] = str(error.message)
            continue
        if score < 0:
            errors[entry.user_id] = str(_l("A score cannot be negative."))
        elif score > session.max_score:
            errors[entry.user_id] = str(
                _l("The score is above the maximum of %(max)s.", max=session.max_score)
            )
        elif counts.get(entry.user_id, 0) >= allowed:
            errors[entry.user_id] = str(_l("All %(n)d attempts are used.", n=allowed))
        else:
            scores[entry.user_id] = score
    return scores, counts, errors


def record_scores(
    *, actor: User, session: TrainingSession, entries: Sequence[ScoreEntry]
) -> list[ExamAttempt]:
    """Add one exam attempt per entry, scored against the session's current marks. All entries
    or none.

    :raises RowErrors: for a score that is not a number, negative or above the maximum, someone
        not invited to the session, or an attempt beyond the allowed number.
    """
    require_owner(actor, session)
    scores, counts, errors = check_scores(session, entries)
    if errors:
        raise RowErrors(errors)
    attempts = []
    for entry in entries:
        exact = scores[entry.user_id]
        attempt = ExamAttempt(
            session_id=session.id,
            user_id=entry.user_id,
            attempt_no=counts.get(entry.user_id, 0) + 1,
            taken_on=entry.taken_on,
            score=kept_score(exact),
            max_score=session.max_score,
            pass_mark=session.pass_mark,
            passed=passes(exact, session.pass_mark),
            recorded_by_id=actor.id,
        )
        db.session.add(attempt)
        attempts.append(attempt)
    db.session.flush()
    if session.kind == SessionKind.ONBOARDING:
        for attempt in attempts:
            if attempt.passed:
                _certify(attempt)
    record(
        action=AuditAction.TRAINING_SCORES,
        actor=actor,
        object_type="training_session",
        object_id=session.id,
        details={"attempts": {str(a.user_id): str(a.score) for a in attempts}},
    )
    return attempts


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _certify(attempt: ExamAttempt) -> Certificate:
    months = current_app.config["TRAINING_CERTIFICATE_MONTHS"]
    certificate = Certificate(
        user_id=attempt.user_id,
        attempt_id=attempt.id,
        certified_on=attempt.taken_on,
        expires_on=add_months(attempt.taken_on, months),
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate
