"""Training rules and pass rates on a hand-built data set."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.notifications.models import Notification
from crm.scheduler import run_all
from crm.training import attendance, services
from crm.training.models import Certificate, ExamAttempt
from crm.training.queries import rates_for, training_record
from crm.training.services import RowErrors, ScoreEntry
from tests.factories import make_session, make_user

DAY = date(2026, 3, 2)


@pytest.fixture
def trainer(ctx):
    return make_user(username="trainer.li", roles=["trainer"])


@pytest.fixture
def staff(ctx):
    return {name: make_user(username=f"agent.{name}", roles=["agent"]) for name in "abcdefg"}


def score(session, actor, staff, **scores: str) -> None:
    """Record one attempt for each agent named, e.g. score(s, t, staff, a="80", b="50")."""
    entries = [ScoreEntry(staff[name].id, value, DAY) for name, value in scores.items()]
    services.record_scores(actor=actor, session=session, entries=entries)


@pytest.fixture
def worked_example(trainer, staff):
    """Six invited, max 100, pass mark 60:
    a: present, 80                 -> passes at the first attempt
    b: present, 50 then 70         -> passes at the second
    c: late,    40 then 55         -> fails twice
    d: present, 59.5               -> fails
    e: absent (sick), never sits   -> absent, in no rate
    f: absent, sits a make-up, 90  -> passes at the first attempt; not counted absent

    people who sat: a b c d f = 5; passed: a b f = 3; first attempt passed: a f = 2
    attempts: a1 b1 b2 c1 c2 d1 f1 = 7; passed attempts: a1 b2 f1 = 3
    person rate 3/5 = 60%, first-attempt rate 2/5 = 40%, attempt rate 3/7 ~ 42.86%
    """
    session = make_session(actor=trainer, invited=[staff[n] for n in "abcdef"])
    attendance.record_attendance(
        actor=trainer,
        session=session,
        marks={
            staff["a"].id: ("present", None),
            staff["b"].id: ("present", None),
            staff["c"].id: ("late", None),
            staff["d"].id: ("present", None),
            staff["e"].id: ("absent", "病假"),
            staff["f"].id: ("absent", "外出培训"),
        },
    )
    score(session, trainer, staff, a="80", b="50", c="40", d="59.5", f="90")
    score(session, trainer, staff, b="70", c="55")
    db.session.commit()
    return session


def test_the_three_pass_rates_on_the_worked_example(worked_example) -> None:
    rates = rates_for([worked_example.id])
    assert (rates.invited, rates.absent, rates.sat) == (6, 1, 5)
    assert (rates.passed, rates.first_passed) == (3, 2)
    assert (rates.attempts, rates.attempts_passed) == (7, 3)
    assert rates.person_rate == pytest.approx(0.60)
    assert rates.first_attempt_rate == pytest.approx(0.40)
    assert rates.attempt_rate == pytest.approx(3 / 7)


def test_a_later_pass_mark_never_rewrites_past_results(worked_example, trainer, staff) -> None:
    services.change_exam_marks(
        actor=trainer, session=worked_example, max_score="100", pass_mark="75"
    )
    assert rates_for([worked_example.id]).passed == 3  # b's 70 passed against 60 and still does
    score(worked_example, trainer, staff, d="70")  # d's retake is judged against 75
    attempt = db.session.scalar(
        select(ExamAttempt).where(ExamAttempt.user_id == staff["d"].id, ExamAttempt.attempt_no == 2)
    )
    assert (attempt.pass_mark, attempt.passed) == (75, False)


def test_a_pass_is_never_revoked_by_a_later_attempt(worked_example, trainer, staff) -> None:
    score(worked_example, trainer, staff, b="40")  # b's third attempt fails
    rates = rates_for([worked_example.id])
    assert rates.passed == 3
    record = training_record(staff["b"])
    assert record[0].passed is True
    assert [a.score for a in record[0].attempts] == [50, 70, 40]


@pytest.mark.parametrize(
    ("value", "message"),
    [("101", "maximum"), ("-1", "negative"), ("abc", "number"), ("NaN", "number")],
)
def test_bad_scores_are_refused_and_nothing_is_saved(
    worked_example, trainer, staff, value, message
) -> None:
    before = db.session.scalar(select(func.count()).select_from(ExamAttempt))
    with pytest.raises(RowErrors) as refused:
        score(worked_example, trainer, staff, a="90", d=value)  # a's row is fine; nothing is saved
    assert list(refused.value.errors) == [staff["d"].id]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == before


def test_a_result_for_someone_not_on_the_session_is_refused(worked_example, trainer, staff) -> None:
    with pytest.raises(RowErrors) as refused:
        score(worked_example, trainer, staff, g="90")
    assert list(refused.value.errors) == [staff["g"].id]


def test_attempts_stop_at_the_allowed_number(worked_example, trainer, staff) -> None:
    score(worked_example, trainer, staff, c="30")  # c's third and last attempt
    with pytest.raises(RowErrors):
        score(worked_example, trainer, staff, c="90")


def test_an_absence_needs_a_reason_and_only_owners_record(worked_example, trainer, staff) -> None:
    with pytest.raises(RowErrors):
        attendance.record_attendance(
            actor=trainer, session=worked_example, marks={staff["a"].id: ("absent", " ")}
        )
    other_trainer = make_user(username="trainer.wang", roles=["trainer"])
    with pytest.raises(PermissionDenied):
        attendance.record_attendance(
            actor=other_trainer, session=worked_example, marks={staff["a"].id: ("present", None)}
        )
    with pytest.raises(PermissionDenied):
        make_session(actor=staff["a"], invited=[])


def test_marks_are_checked(trainer, staff) -> None:
    with pytest.raises(DomainError) as refused:
        make_session(actor=trainer, invited=[], max_score="100", pass_mark="120")
    assert refused.value.field == "pass_mark"


def test_passing_onboarding_certifies_and_reminders_go_out_once_30_days_before(
    app, trainer, staff
) -> None:
    agent = staff["a"]
    session = make_session(
        actor=trainer, invited=[agent], kind="onboarding", title="新员工入职培训"
    )
    services.record_scores(
        actor=trainer, session=session, entries=[ScoreEntry(agent.id, "85", DAY)]
    )
    db.session.commit()
    certificate = db.session.scalar(select(Certificate))
    assert (certificate.certified_on, certificate.expires_on) == (DAY, date(2027, 3, 2))

    def reminders() -> int:
        return db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "certificate.expiring")
        )

    for now, expected in [
        (datetime(2027, 1, 30, 2, tzinfo=UTC), 0),  # 31 days before
        (datetime(2027, 1, 31, 2, tzinfo=UTC), 2),  # 30 days before: the agent and the trainer
        (datetime(2027, 2, 20, 2, tzinfo=UTC), 2),  # once only
    ]:
        assert None not in run_all(app, now=now).values()
        assert reminders() == expected


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2026, 3, 2), 12) == date(2027, 3, 2)
    assert services.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_all_present_marks_only_those_not_marked_yet(trainer, staff) -> None:
    session = make_session(actor=trainer, invited=[staff[n] for n in "abc"])
    attendance.record_attendance(
        actor=trainer, session=session, marks={staff["b"].id: ("absent", "病假")}
    )
    assert attendance.mark_all_present(actor=trainer, session=session) == 2
    marks = {p.user_id: (p.attendance, p.absence_reason) for p in session.participants}
    assert marks == {
        staff["a"].id: ("present", None),
        staff["b"].id: ("absent", "病假"),
        staff["c"].id: ("present", None),
    }
    assert attendance.mark_all_present(actor=trainer, session=session) == 0
    with pytest.raises(PermissionDenied):
        attendance.mark_all_present(
            actor=make_user(username="trainer.wang", roles=["trainer"]), session=session
        )
