"""Interactions and the customer timeline, called directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.customers.records import add_feedback, add_purchase
from crm.customers.timeline import Cursor, timeline_page
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.interactions import services
from tests.factories import make_customer, make_interaction, make_user

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def agent(ctx):
    return make_user(username="agent.zhou", roles=["agent"])


@pytest.fixture
def colleague(ctx):
    return make_user(username="agent.wu", roles=["agent"])


@pytest.fixture
def supervisor(ctx):
    return make_user(username="boss.zheng", roles=["supervisor"])


def test_an_interaction_in_the_future_is_refused(agent) -> None:
    customer = make_customer(actor=agent)
    with pytest.raises(DomainError) as refused:
        make_interaction(customer=customer, actor=agent, occurred_at=utcnow() + timedelta(hours=1))
    assert refused.value.field == "occurred_at"


@pytest.mark.parametrize(
    ("field", "value"), [("channel", "pigeon"), ("category", "gossip"), ("summary", "  ")]
)
def test_bad_values_are_refused_by_field(agent, field, value) -> None:
    customer = make_customer(actor=agent)
    with pytest.raises(DomainError) as refused:
        make_interaction(customer=customer, actor=agent, **{field: value})
    assert refused.value.field == field


def test_the_author_corrects_an_entry_and_the_old_text_stays_in_the_audit(agent) -> None:
    customer = make_customer(actor=agent)
    interaction = make_interaction(customer=customer, actor=agent, summary="咨询价格")
    changes = services.correct_interaction(
        actor=agent,
        interaction=interaction,
        channel="phone",
        category="complaint",
        direction="inbound",
        summary="投诉价格不透明",
        details=None,
        outcome=None,
        occurred_at=interaction.occurred_at,
    )
    assert changes == {
        "category": ["inquiry", "complaint"],
        "summary": ["咨询价格", "投诉价格不透明"],
    }
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.INTERACTION_CORRECTED)
    ).one()
    assert entry.details == changes


def test_a_colleague_cannot_correct_someone_elses_entry_but_a_supervisor_can(
    agent, colleague, supervisor
) -> None:
    customer = make_customer(actor=agent)
    interaction = make_interaction(customer=customer, actor=agent)
    fields = {
        "channel": "email",
        "category": "inquiry",
        "direction": "inbound",
        "summary": "改",
        "details": None,
        "outcome": None,
        "occurred_at": interaction.occurred_at,
    }
    with pytest.raises(PermissionDenied):
        services.correct_interaction(actor=colleague, interaction=interaction, **fields)
    assert services.correct_interaction(actor=supervisor, interaction=interaction, **fields)


def test_deleting_needs_a_supervisor_and_a_reason_and_hides_the_entry(agent, supervisor) -> None:
    customer = make_customer(actor=agent)
    old = make_interaction(customer=customer, actor=agent, occurred_at=T0)
    new = make_interaction(customer=customer, actor=agent, occurred_at=T0 + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.delete_interaction(actor=agent, interaction=new, reason="错误客户")
    with pytest.raises(DomainError):
        services.delete_interaction(actor=supervisor, interaction=new, reason=" ")
    services.delete_interaction(actor=supervisor, interaction=new, reason="记错了客户")
    db.session.commit()
    db.session.refresh(customer)
    assert customer.last_contact_at == old.occurred_at
    assert [e.item.id for e in timeline_page(customer.id).entries] == [old.id]
    assert new.delete_reason == "记错了客户"
    assert new.summary  # the text is kept


class TestTimeline:
    @pytest.fixture
    def history(self, agent):
        """Nine entries of three kinds, with two pairs sharing a timestamp."""
        customer = make_customer(actor=agent)
        expected = []
        for hour in range(5):
            interaction = make_interaction(
                customer=customer,
                actor=agent,
                occurred_at=T0 + timedelta(hours=hour),
                category="complaint" if hour % 2 else "inquiry",
            )
            expected.append(("interaction", interaction.id, interaction.occurred_at))
        for hour in (1, 3):  # same instants as two interactions
            purchase = add_purchase(
                actor=agent,
                customer=customer,
                product="净水器",
                amount="399",
                purchased_at=T0 + timedelta(hours=hour),
            )
            expected.append(("purchase", purchase.id, purchase.purchased_at))
        for hour in (0, 10):
            feedback = add_feedback(
                actor=agent,
                customer=customer,
                content="很满意",
                rating=5,
                received_at=T0 + timedelta(hours=hour),
            )
            expected.append(("feedback", feedback.id, feedback.received_at))
        db.session.commit()
        # newest first; ties broken by kind, then id, both descending
        expected.sort(key=lambda key: (key[2], key[0], key[1]), reverse=True)
        return customer, expected

    def test_pages_of_any_size_list_every_entry_once_newest_first(self, history) -> None:
        customer, expected = history
        for size in (1, 2, 4, 9, 20):
            seen, cursor = [], None
            while True:
                page = timeline_page(customer.id, cursor=cursor, size=size)
                seen.extend((e.kind, e.item.id, e.at) for e in page.entries)
                if page.next_cursor is None:
                    break
                cursor = Cursor.decode(page.next_cursor.encode())
            assert seen == expected, size

    def test_filters_by_kind_and_by_category(self, history) -> None:
        customer, expected = history
        purchases = timeline_page(customer.id, kinds={"purchase"})
        assert [e.item.id for e in purchases.entries] == [
            key[1] for key in expected if key[0] == "purchase"
        ]
        complaints = timeline_page(customer.id, category="complaint")
        assert len(complaints.entries) == 2
        assert {e.item.category for e in complaints.entries} == {"complaint"}

    @pytest.mark.parametrize(
        "raw", ["", "garbage", "2026-01-01|unknown|1", "2026-01-01|purchase|x"]
    )
    def test_a_malformed_cursor_means_the_first_page(self, raw) -> None:
        assert Cursor.decode(raw) is None


def test_only_supervisors_log_a_contact_for_someone_else(ctx) -> None:
    agent = make_user(username="agent.one", roles=["agent"])
    colleague = make_user(username="agent.two", roles=["agent"])
    boss = make_user(username="boss.log", roles=["supervisor"])
    customer = make_customer(actor=agent)
    fields = {
        "channel": "phone",
        "category": "inquiry",
        "direction": "inbound",
        "summary": "代接来电",
        "occurred_at": utcnow(),
    }
    with pytest.raises(PermissionDenied):
        services.log_interaction(actor=agent, customer=customer, agent=colleague, **fields)
    logged = services.log_interaction(actor=boss, customer=customer, agent=colleague, **fields)
    assert (logged.agent_id, logged.created_by_id) == (colleague.id, boss.id)
    colleague.active = False
    with pytest.raises(DomainError):
        services.log_interaction(actor=boss, customer=customer, agent=colleague, **fields)
