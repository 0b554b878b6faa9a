"""A fresh demo gives every role concrete work on whatever day it is loaded (issue 22).

One seed for every check: loading the demo takes seconds."""

from __future__ import annotations

from sqlalchemy import select

from crm.auth.models import User
from crm.callbacks.queries import worklist
from crm.cases.queries import my_open_cases, team_queue
from crm.customers.models import Customer, Tier
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.qa.models import Review, ReviewStatus
from crm.qa.queries import calibration_sessions, open_disputes, queue_of
from crm.timezones import department_today, department_zone
from crm.training.models import TrainingSession
from crm.training.queue import assigned_queue


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _agents_have_calls_cases_and_reviews(now) -> None:
    for name in ("agent", "agent2", "agent3"):
        agent = _user(name)
        totals = worklist(agent, department_today(now)).totals
        assert totals["today"] >= 3 and totals["overdue"] >= 1, name
        assert len(my_open_cases(agent, now)) >= 3, name
        assert db.session.scalar(
            select(Review.id).where(
                Review.agent_id == agent.id, Review.status == ReviewStatus.SUBMITTED.value
            )
        ), f"{name} has a review to acknowledge"


def _reviewer_and_trainer_have_queues(now) -> None:
    assert len(queue_of(_user("reviewer"))) >= 3
    assert len(open_disputes()) == 1
    assert calibration_sessions()
    people = {person.user_id for entry in assigned_queue() for person in entry.people}
    assert len(people) >= 3
    assert db.session.scalar(select(TrainingSession.id).where(TrainingSession.starts_at > now))


def _customers_look_real() -> None:
    customers = db.session.scalars(select(Customer)).all()
    assert len(customers) >= 300
    assert len({c.name for c in customers}) > 0.8 * len(customers)
    assert sum(c.tier == Tier.KEY.value for c in customers) >= 10
    emails = [c.email for c in customers if c.email]
    assert len(set(emails)) < len(emails), "colleagues share their firm's address"
    numbers = [phone.number for c in customers for phone in c.phones]
    assert any(number.startswith("+861") for number in numbers)
    assert any(number[3] in "2345789" for number in numbers), "landlines too"
    zone = department_zone()
    hours = [
        moment.astimezone(zone).hour
        for moment in db.session.scalars(select(Interaction.occurred_at).limit(1000))
    ]
    assert sum(9 <= hour < 18 for hour in hours) > 0.95 * len(hours)


def test_a_fresh_demo_gives_every_role_work_today(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        now = utcnow()
        _agents_have_calls_cases_and_reviews(now)
        _reviewer_and_trainer_have_queues(now)
        for state in ("at_risk", "breached", "unassigned"):
            assert team_queue(now, state=state, department=None).rows, state
        _customers_look_real()
