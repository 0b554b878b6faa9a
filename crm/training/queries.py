"""Pass rates, each with a fixed definition, and training records.

"People" below means a person in a session: someone in two sessions counts in each.
- person pass rate: people whose best attempt passed / people who sat the exam
- first-attempt pass rate: people whose first attempt passed / people who sat the exam
- attempt pass rate: passed attempts / all attempts
Absentees (marked absent and never sat) are counted apart and in no rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select

from crm.auth.models import User
from crm.extensions import db
from crm.teams.queries import member_team_names
from crm.training.models import (
    Attendance,
    Certificate,
    ExamAttempt,
    Participant,
    TrainingSession,
    session_topics,
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class PassRates:
    invited: int = 0
    absent: int = 0
    sat: int = 0
    passed: int = 0
    first_passed: int = 0
    attempts: int = 0
    attempts_passed: int = 0

    @property
    def person_rate(self) -> float | None:
        return _share(self.passed, self.sat)

    @property
    def first_attempt_rate(self) -> float | None:
        return _share(self.first_passed, self.sat)

    @property
    def attempt_rate(self) -> float | None:
        return _share(self.attempts_passed, self.attempts)


def compute_rates(
    participants: Iterable[tuple[int, int, str]], attempts: Iterable[tuple[int, int, int, bool]]
) -> PassRates:
    """Rates from (session, user, attendance) and (session, user, attempt_no, passed) rows."""
    by_person: dict[tuple[int, int], list[tuple[int, bool]]] = defaultdict(list)
    attempt_count = attempt_passed = 0
    for session_id, user_id, attempt_no, passed in attempts:
        by_person[(session_id, user_id)].append((attempt_no, passed))
        attempt_count += 1
        attempt_passed += passed
    invited = absent = 0
    for session_id, user_id, attendance in participants:
        invited += 1
        if attendance == Attendance.ABSENT and (session_id, user_id) not in by_person:
            absent += 1
    return PassRates(
        invited=invited,
        absent=absent,
        sat=len(by_person),
        passed=sum(any(p for _, p in tries) for tries in by_person.values()),
        first_passed=sum(min(tries)[1] for tries in by_person.values()),
        attempts=attempt_count,
        attempts_passed=attempt_passed,
    )


def rates_for(session_ids: list[int]) -> PassRates:
    if not session_ids:
        return PassRates()
    participants = db.session.execute(
        select(Participant.session_id, Participant.user_id, Participant.attendance).where(
            Participant.session_id.in_(session_ids)
        )
    ).all()
    attempts = db.session.execute(
        select(
            ExamAttempt.session_id, ExamAttempt.user_id, ExamAttempt.attempt_no, ExamAttempt.passed
        ).where(ExamAttempt.session_id.in_(session_ids))
    ).all()
    return compute_rates(participants, attempts)


def by_team(session_ids: list[int]) -> dict[str, PassRates]:
    """Rates of the sessions' participants grouped by the team each is in now (people in no
    team are left out: the month's rate has them)."""
    teams = member_team_names()
    if not session_ids or not teams:
        return {}
    people: dict[str, list[Any]] = defaultdict(list)
    tries: dict[str, list[Any]] = defaultdict(list)
    for row in db.session.execute(
        select(Participant.session_id, Participant.user_id, Participant.attendance).where(
            Participant.session_id.in_(session_ids), Participant.user_id.in_(teams)
        )
    ):
        people[teams[row.user_id]].append(row)
    for row in db.session.execute(
        select(
            ExamAttempt.session_id, ExamAttempt.user_id, ExamAttempt.attempt_no, ExamAttempt.passed
        ).where(ExamAttempt.session_id.in_(session_ids), ExamAttempt.user_id.in_(teams))
    ):
        tries[teams[row.user_id]].append(row)
    return {team: compute_rates(people[team], tries[team]) for team in sorted(people)}


def sessions_in(month: date) -> list[TrainingSession]:
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.month == month.replace(day=1))
            .order_by(TrainingSession.starts_at)
        )
    )


def breakdown(sessions: list[TrainingSession], dimension: str) -> dict[str, PassRates]:
    """Rates of ``sessions`` grouped by "kind", "trainer" or "topic" (a session with two topics
    counts under both)."""
    groups: dict[str, list[int]] = defaultdict(list)
    if dimension == "topic":
        links = db.session.execute(
            select(session_topics.c.session_id, session_topics.c.topic_id).where(
                session_topics.c.session_id.in_([s.id for s in sessions])
            )
        ).all()
        names = {t.id: t.name for s in sessions for t in s.topics}
        for session_id, topic_id in links:
            groups[names[topic_id]].append(session_id)
    else:
        for session in sessions:
            key = session.kind if dimension == "kind" else session.trainer.display_name
            groups[key].append(session.id)
    return {key: rates_for(ids) for key, ids in sorted(groups.items())}


def trend(last_month: date, months: int = 12) -> list[tuple[date, PassRates]]:
    """The month-by-month rates of the ``months`` months up to ``last_month``."""
    points = []
    year, month = last_month.year, last_month.month
    for _ in range(months):
        first = date(year, month, 1)
        points.append((first, rates_for([s.id for s in sessions_in(first)])))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(points))


@dataclass(frozen=True)
class RecordLine:
    session: TrainingSession
    attendance: str
    attempts: list[ExamAttempt]

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)


def training_record(user: User) -> list[RecordLine]:
    """Every session the user was invited to, newest first, with attendance and attempts."""
    rows = db.session.execute(
        select(TrainingSession, Participant.attendance)
        .join(Participant, Participant.session_id == TrainingSession.id)
        .where(Participant.user_id == user.id)
        .order_by(TrainingSession.starts_at.desc())
    ).all()
    attempts: dict[int, list[ExamAttempt]] = defaultdict(list)
    for attempt in db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.user_id == user.id).order_by(ExamAttempt.attempt_no)
    ):
        attempts[attempt.session_id].append(attempt)
    return [RecordLine(session, attendance, attempts[session.id]) for session, attendance in rows]


def latest_certificate(user_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.expires_on.desc())
        .limit(1)
    )


def certification_overview(
    agents: list[User], today: date, warn_days: int
) -> list[tuple[User, Certificate | None, str]]:
    """Each agent with their newest certificate and a status: "valid", "expiring" (within
    ``warn_days``), "expired" or "none"."""
    newest: dict[int, Certificate] = {}
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.user_id.in_([a.id for a in agents]))
    ):
        current = newest.get(certificate.user_id)
        if current is None or certificate.expires_on > current.expires_on:
            newest[certificate.user_id] = certificate
    overview = []
    for agent in agents:
        certificate = newest.get(agent.id)
        if certificate is None:
            status = "none"
        elif certificate.expires_on < today:
            status = "expired"
        elif (certificate.expires_on - today).days <= warn_days:
            status = "expiring"
        else:
            status = "valid"
        overview.append((agent, certificate, status))
    return overview


def upcoming_sessions(
    *, trainer_id: int | None, now: datetime, limit: int
) -> list[TrainingSession]:
    """The next sessions from ``now`` on, of one trainer or (None) of everyone."""
    query = select(TrainingSession).where(TrainingSession.starts_at >= now)
    if trainer_id is not None:
        query = query.where(TrainingSession.trainer_id == trainer_id)
    return list(db.session.scalars(query.order_by(TrainingSession.starts_at).limit(limit)))


def latest_held(*, trainer_id: int, now: datetime, limit: int) -> list[TrainingSession]:
    """The trainer's sessions held before ``now``, the latest first."""
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.trainer_id == trainer_id, TrainingSession.starts_at < now)
            .order_by(TrainingSession.starts_at.desc())
            .limit(limit)
        )
    )


def invited_to_upcoming(user: User, now: datetime) -> list[TrainingSession]:
    """The sessions from ``now`` on that ``user`` is invited to, soonest first."""
    return list(
        db.session.scalars(
            select(TrainingSession)
            .join(Participant, Participant.session_id == TrainingSession.id)
            .where(Participant.user_id == user.id, TrainingSession.starts_at >= now)
            .order_by(TrainingSession.starts_at)
        )
    )


def missing_results(
    *, trainer_id: int, since: datetime, now: datetime
) -> list[tuple[TrainingSession, int]]:
    """The trainer's sessions held between ``since`` and ``now`` with people not marked absent
    who have no exam result, and how many, oldest first."""
    no_result = ~exists().where(
        ExamAttempt.session_id == Participant.session_id,
        ExamAttempt.user_id == Participant.user_id,
    )
    rows = db.session.execute(
        select(TrainingSession, func.count())
        .join(Participant, Participant.session_id == TrainingSession.id)
        .where(
            TrainingSession.trainer_id == trainer_id,
            TrainingSession.starts_at >= since,
            TrainingSession.starts_at < now,
            Participant.attendance != Attendance.ABSENT.value,
            no_result,
        )
        .group_by(TrainingSession.id)
        .order_by(TrainingSession.starts_at)
    ).all()
    return [(session, count) for session, count in rows]
