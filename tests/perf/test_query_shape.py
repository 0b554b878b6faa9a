"""The hot pages' SQL statement count must not grow with the rows they show (no N+1). These
tests guard the shape of the work, not its time: timings live in bench/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event

from crm.auth.models import User
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.timezones import department_today
from tests.conftest import login
from tests.factories import make_customer, make_interaction, make_plan, make_task, make_user


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app: Flask, client, path: str) -> int:
    client.get(path)  # warm: first-request work (translations, templates) is not the shape
    with counting(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.fixture
def agent(app):
    with app.app_context():
        user = make_user(username="agent.shape", roles=["agent", "supervisor"])
        return user.id


def customer_with_history(app: Flask, agent_id: int, entries: int) -> int:
    with app.app_context():
        agent = db.session.get(User, agent_id)
        customer = make_customer(actor=agent)
        for number in range(entries):
            make_interaction(
                customer=customer, actor=agent, occurred_at=utcnow() - timedelta(hours=number)
            )
            if number % 3 == 0:
                open_case(
                    actor=agent,
                    customer=customer,
                    subject=f"工单{number}",
                    category="inquiry",
                    now=utcnow(),
                    assignee=agent,
                )
        db.session.commit()
        return customer.id


def test_the_customer_page_reads_a_fixed_number_of_statements(app, client, agent) -> None:
    few = customer_with_history(app, agent, 3)
    many = customer_with_history(app, agent, 30)
    login(client, "agent.shape")
    assert statements_for(app, client, f"/customers/{few}") == statements_for(
        app, client, f"/customers/{many}"
    )


def worklist_with(app: Flask, agent_id: int, tasks: int) -> None:
    with app.app_context():
        agent = db.session.get(User, agent_id)
        boss = make_user(roles=["supervisor"])
        for _number in range(tasks):
            customer = make_customer(actor=agent)
            make_task(
                make_plan(actor=boss, customer=customer, assignee=agent), department_today(utcnow())
            )
        db.session.commit()


def test_the_callback_worklist_reads_a_fixed_number_of_statements(app, client, agent) -> None:
    login(client, "agent.shape")
    worklist_with(app, agent, 2)
    few = statements_for(app, client, "/callbacks/")
    worklist_with(app, agent, 20)
    assert statements_for(app, client, "/callbacks/") == few


def test_the_case_queue_reads_a_fixed_number_of_statements(app, client, agent) -> None:
    login(client, "agent.shape")
    customer_with_history(app, agent, 3)
    few = statements_for(app, client, "/cases/queue")
    customer_with_history(app, agent, 30)
    assert statements_for(app, client, "/cases/queue") == few


def customer_with_reviews_and_plans(app: Flask, agent_id: int, entries: int) -> int:
    """A customer whose interactions are QA-reviewed and who has planned callbacks: every
    page shows the same kinds (one load each), only the number of rows differs."""
    from decimal import Decimal

    from crm.qa.models import Review
    from crm.qa.scorecards import create_scorecard
    from tests.qa.support import SMALL_CARD

    with app.app_context():
        agent = db.session.get(User, agent_id)
        qa = make_user(roles=["qa"])
        worker = make_user(roles=["agent"])
        card = create_scorecard(
            actor=qa,
            name=f"卡{entries}",
            style="weighted",
            pass_mark=Decimal(80),
            criteria=SMALL_CARD,
        )
        customer = make_customer(actor=agent)
        plan = make_plan(actor=agent, customer=customer, assignee=worker)
        for number in range(entries):
            at = utcnow() - timedelta(hours=number)
            interaction = make_interaction(customer=customer, actor=agent, occurred_at=at)
            db.session.add(
                Review(
                    interaction_id=interaction.id,
                    agent_id=agent.id,
                    reviewer_id=qa.id,
                    scorecard_version_id=card.current.id,
                    reason="random",
                    status="submitted",
                    submitted_at=at,
                    final_score=90,
                )
            )
        # Planned calls sort by when they were planned (now): a few are on top of either page.
        for days in range(3):
            make_task(plan, department_today(utcnow()) + timedelta(days=days + 1))
        db.session.commit()
        return customer.id


def test_reviews_and_planned_calls_keep_the_customer_page_fixed(app, client, agent) -> None:
    few = customer_with_reviews_and_plans(app, agent, 2)
    many = customer_with_reviews_and_plans(app, agent, 25)
    login(client, "agent.shape")
    assert statements_for(app, client, f"/customers/{few}") == statements_for(
        app, client, f"/customers/{many}"
    )
