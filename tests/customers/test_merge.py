"""Merging duplicates moves every related row and loses nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.customers.merge import merge_customers, preview_merge
from crm.customers.models import Customer, Feedback, Purchase
from crm.customers.records import add_feedback, add_purchase
from crm.customers.services import delete_customer
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.interactions.models import Interaction
from tests.conftest import csrf_token
from tests.factories import make_customer, make_interaction, make_user


def rows_of(model, customer_ids: list[int]) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.customer_id.in_(customer_ids))
    )


@pytest.fixture
def pair(ctx):
    supervisor = make_user(username="boss", roles=["supervisor"])
    kept = make_customer(
        actor=supervisor, name="张三", phones=["13800138000"], tags=["老客户"], company=None
    )
    dupe = make_customer(
        actor=supervisor,
        name="张三 (重复)",
        phones=["13800138000", "13911112222"],
        company="武当科技",
        email="zs@example.cn",
        tags=["经销商"],
    )
    for customer, count in ((kept, 2), (dupe, 3)):
        for _ in range(count):
            make_interaction(customer=customer, actor=supervisor)
    add_purchase(
        actor=supervisor, customer=dupe, product="净水器", amount="399", purchased_at=utcnow()
    )
    add_feedback(actor=supervisor, customer=dupe, content="好", rating=5, received_at=utcnow())
    db.session.commit()
    return supervisor, kept, dupe


def test_the_preview_counts_what_would_move_and_changes_nothing(pair) -> None:
    supervisor, kept, dupe = pair
    preview = preview_merge(actor=supervisor, source=dupe, target=kept)
    assert preview.moves == {
        "interactions": 3,
        "purchases": 1,
        "feedback": 1,
        "callback plans": 0,
        "callbacks": 0,
        "cases": 0,
        "surveys": 0,
        "consent": 0,
        "care dates": 0,
    }
    assert preview.new_phones == ["+8613911112222"]
    defaults = {choice.name: choice.default for choice in preview.fields if choice.differs}
    # Empty on the kept record: the other's value by default; tags put together.
    assert defaults == {"name": "keep", "company": "take", "email": "take", "tags": "both"}
    assert rows_of(Interaction, [kept.id]) == 2


def test_a_merge_moves_everything_and_counts_before_equal_counts_after(pair) -> None:
    supervisor, kept, dupe = pair
    before = {
        model: rows_of(model, [kept.id, dupe.id]) for model in (Interaction, Purchase, Feedback)
    }
    merge_customers(actor=supervisor, source=dupe, target=kept)
    db.session.commit()
    after = {model: rows_of(model, [kept.id]) for model in (Interaction, Purchase, Feedback)}
    assert after == before
    assert {model: rows_of(model, [dupe.id]) for model in after} == dict.fromkeys(after, 0)
    kept = db.session.get(Customer, kept.id)
    dupe = db.session.get(Customer, dupe.id)
    assert [p.number for p in kept.phones] == ["+8613800138000", "+8613911112222"]
    assert (kept.company, kept.email, kept.tags) == (
        "武当科技",
        "zs@example.cn",
        ["老客户", "经销商"],
    )
    assert dupe.is_deleted and dupe.merged_into_id == kept.id
    assert dupe.name == "张三 (重复)"  # the retired record keeps its own data
    audited = db.session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == AuditAction.CUSTOMER_MERGED)
    ).all()
    assert sorted(audited) == sorted([str(kept.id), str(dupe.id)])


def test_merging_is_refused_for_agents_the_same_customer_and_deleted_ones(pair) -> None:
    supervisor, kept, dupe = pair
    agent = make_user(username="agent", roles=["agent"])
    with pytest.raises(PermissionDenied):
        merge_customers(actor=agent, source=dupe, target=kept)
    with pytest.raises(DomainError):
        merge_customers(actor=supervisor, source=kept, target=kept)
    delete_customer(actor=supervisor, customer=dupe)
    with pytest.raises(DomainError):
        merge_customers(actor=supervisor, source=dupe, target=kept)


def test_a_supervisor_merges_from_the_preview_page(app, client, login_as) -> None:
    supervisor = login_as("supervisor")
    with app.app_context():
        kept = make_customer(actor=supervisor, name="保留的", phones=["13800138000"])
        dupe = make_customer(actor=supervisor, name="重复的", phones=["13800138000"])
        make_interaction(customer=dupe, actor=supervisor)
        db.session.commit()
        kept_id, dupe_id = kept.id, dupe.id
    choose = client.get(f"/customers/{dupe_id}/merge").get_data(as_text=True)
    assert f"/customers/{dupe_id}/merge?target={kept_id}" in choose  # offered as a duplicate
    preview = client.get(f"/customers/{dupe_id}/merge?target={kept_id}").get_data(as_text=True)
    assert 'data-testid="merge-moves"' in preview
    response = client.post(
        f"/customers/{dupe_id}/merge",
        data={"target_id": kept_id, "csrf_token": csrf_token(client, "/customers/")},
    )
    assert response.headers["Location"] == f"/customers/{kept_id}"
    with app.app_context():
        assert rows_of(Interaction, [kept_id]) == 1
