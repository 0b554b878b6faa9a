"""One Chinese character, a two-character given name, two pinyin initials: fragments too short
for trigrams are found through the index of short pieces, and it follows every change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.customers.models import Customer
from crm.customers.search import build_search_grams, search_customers, substring_condition
from crm.customers.services import refresh_search_text
from crm.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_customer, make_user


def names(query: str) -> list[str]:
    return sorted(hit.customer.name for hit in search_customers(query))


def test_the_pieces_of_a_search_text() -> None:
    assert set(build_search_grams("王芳 wangfang wf 13800138000").split()) == {
        "王", "芳", "王芳", "wa", "an", "ng", "gf", "fa", "wf",
    }  # fmt: skip


def test_short_fragments_find_names_initials_and_companies(ctx) -> None:
    agent = make_user(roles=["agent"])
    make_customer(actor=agent, name="王芳", company="宏达贸易有限公司")
    make_customer(actor=agent, name="李芳芳")
    make_customer(actor=agent, name="王小明")
    db.session.commit()
    assert names("芳") == ["李芳芳", "王芳"]
    assert names("王芳") == ["王芳"]
    assert names("wf") == ["王芳"]
    assert names("宏达") == ["王芳"]
    assert names("张") == []


def test_the_index_follows_renames_and_deletions(ctx) -> None:
    agent = make_user(roles=["agent"])
    customer = make_customer(actor=agent, name="王芳")
    db.session.commit()
    customer.name = "赵敏"
    refresh_search_text(customer)
    db.session.commit()
    assert names("王芳") == []
    assert names("赵敏") == ["赵敏"]
    assert names("zm") == ["赵敏"]
    db.session.delete(customer)
    db.session.commit()
    assert names("赵敏") == []


@pytest.mark.skipif(not POSTGRES_URL, reason="reads PostgreSQL's plan of the GIN index")
def test_postgresql_can_answer_short_fragments_from_its_gin_index(ctx) -> None:
    query = select(Customer.id).where(substring_condition("zs"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    connection = db.session.connection()
    # The tables are tiny here, so the planner would scan; forbid that to see the index serve.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_customers_search_grams" in plan


@pytest.mark.parametrize("typed", ["zhang san", "Zhang  San", "zhangsan", "zs", "张三", "5678"])
def test_pinyin_typed_with_spaces_finds_the_name_like_without(ctx, typed) -> None:
    # Agents type pinyin syllable by syllable, often with a space between them (issue 22).
    agent = make_user(roles=["agent"])
    make_customer(actor=agent, name="张三", phones=["13912345678"])
    make_customer(actor=agent, name="李四", phones=["13800001111"])
    make_customer(actor=agent, name="John Smith", phones=["13800002222"])
    db.session.commit()
    assert names(typed) == ["张三"]


def test_latin_names_are_still_found_with_their_space(ctx) -> None:
    agent = make_user(roles=["agent"])
    make_customer(actor=agent, name="John Smith", phones=["13800002222"])
    make_customer(actor=agent, name="Johns Mithra", phones=["13800003333"])
    db.session.commit()
    assert names("john smith") == ["John Smith"]
