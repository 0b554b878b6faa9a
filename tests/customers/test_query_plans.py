"""The hot queries use their indexes: read from the plans (SQLite's EXPLAIN QUERY PLAN,
PostgreSQL's EXPLAIN) of the statements that search and the customer page actually send."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from crm.cases.queries import team_queue
from crm.core.header import page_header
from crm.customers.search import search_customers
from crm.customers.timeline import timeline_page
from crm.database import utcnow
from crm.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_customer, make_interaction, make_user


@pytest.fixture
def captured(ctx):
    agent = make_user(roles=["agent"])
    for number in range(30):
        customer = make_customer(actor=agent, name=f"张三{number}", phones=[f"1380013{number:04d}"])
        make_interaction(customer=customer, actor=agent)
    db.session.commit()
    statements: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    yield statements
    event.remove(db.engine, "before_cursor_execute", remember)


def plans(statements) -> list[str]:
    connection = db.session.connection()
    explained = []
    if POSTGRES_URL:
        # The tables are tiny here, so PostgreSQL's planner would rightly read them whole and
        # sort what it found; forbidding both shows whether an index can serve the statement,
        # and its order, at all (a forbidden step still appears when nothing else can do it).
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
    for statement, parameters in statements:
        if POSTGRES_URL:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            explained.append(" | ".join(row[0].strip() for row in rows))
        else:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            explained.append(" | ".join(row[3] for row in rows))
    return explained


def full_scan(table: str) -> str:
    """How each database's plan says it reads a whole table."""
    return f"Seq Scan on {table}" if POSTGRES_URL else f"SCAN {table}"


def test_a_text_search_goes_through_the_trigram_index(captured) -> None:
    search_customers("张三1")
    if POSTGRES_URL:
        assert any("ix_customers_search_trgm" in plan for plan in plans(captured))
        return
    text_plan = next(plan for plan in plans(captured) if "customer_search" in plan)
    assert "VIRTUAL TABLE INDEX" in text_plan


def test_a_whole_number_and_its_last_digits_use_the_phone_indexes(captured) -> None:
    search_customers("13800130007")
    explained = plans(captured)
    assert any("ix_customer_phones_number" in plan for plan in explained)
    assert any("ix_customer_phones_digits_reversed" in plan for plan in explained)
    assert not any(full_scan("customer_phones") in plan for plan in explained), explained


def test_the_timeline_reads_each_source_through_its_customer_time_index(captured) -> None:
    customer_id = 1
    timeline_page(customer_id)
    union = next(plan for plan in plans(captured) if "interactions" in plan)
    assert "ix_interactions_customer_timeline" in union, union
    assert "ix_purchases_customer_timeline" in union, union
    assert "ix_feedback_customer_timeline" in union, union
    assert full_scan("interactions") not in union, union


def test_short_fragments_go_through_the_index_of_short_pieces(captured) -> None:
    for fragment in ("张三", "张", "zs"):
        captured.clear()
        assert search_customers(fragment)
        explained = plans(captured)
        if POSTGRES_URL:
            assert any("ix_customers_search_grams" in plan for plan in explained), explained
        else:
            text_plan = next(plan for plan in explained if "customer_search_grams" in plan)
            assert "VIRTUAL TABLE INDEX" in text_plan
        assert not any(full_scan("customers") in plan for plan in explained), explained


def test_the_badges_on_every_page_count_through_their_indexes(captured) -> None:
    supervisor = make_user(roles=["agent", "supervisor"])
    captured.clear()
    page_header(supervisor)
    [plan] = plans(captured)
    assert full_scan("cases") not in plan and full_scan("notifications") not in plan, plan
    if POSTGRES_URL:
        # With a handful of rows the planner may pick any index that covers the condition;
        # that none has to read a whole table is what holds at any size.
        return
    assert plan.count("ix_cases_status_assignee") == 2, plan
    assert "ix_notifications_unread" in plan, plan


def test_the_team_queue_walks_the_open_case_index_in_order(captured) -> None:
    team_queue(utcnow(), state="", department=None)
    queue_plan = next(plan for plan in plans(captured) if "cases" in plan)
    assert "ix_cases_open_queue" in queue_plan, queue_plan
    # no sort of its own: the index gives the order
    assert ("Sort" if POSTGRES_URL else "TEMP B-TREE") not in queue_plan, queue_plan
