"""Issue 20: a merge can be undone exactly, and is refused when that would lose later work."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.cases.services import change_status, open_case
from crm.core.providers import merge_providers
from crm.customers.merge import merge_customers
from crm.customers.merge_undo import UndoRefused, undo_blockers, undo_merge
from crm.customers.models import Customer
from crm.customers.records import add_feedback, add_purchase
from crm.customers.services import ProfileInput, update_customer
from crm.database import utcnow
from crm.errors import PermissionDenied
from crm.extensions import db
from crm.i18n import force_locale
from crm.interactions.models import Interaction
from crm.interactions.services import delete_interaction
from crm.surveys.services import create_link
from crm.value.care import set_care_date
from crm.value.consent import record_consent
from tests.factories import make_customer, make_interaction, make_plan, make_task, make_user

PROFILE = ("name", "company", "email", "region", "industry", "tier", "owner_id", "tags", "notes")


def snapshot(customer_id: int) -> dict[str, object]:
    """Everything a person sees of a customer: its fields, numbers and rows of every kind."""
    db.session.expire_all()
    customer = db.session.get(Customer, customer_id)
    rows = {}
    for provider in merge_providers():
        # The provider moves ids of its table; reading them back through it counts each row.
        table = provider_table(provider.name)
        rows[provider.name] = sorted(
            db.session.scalars(select(table.c.id).where(table.c.customer_id == customer_id))
        )
    return {
        **{name: getattr(customer, name) for name in PROFILE},
        "phones": [(phone.number, phone.is_primary) for phone in customer.phones],
        "last_contact_at": customer.last_contact_at,
        "deleted": customer.is_deleted,
        "rows": rows,
    }


def provider_table(name: str):
    from crm.callbacks.models import CallbackPlan, CallbackTask
    from crm.cases.models import Case
    from crm.customers.models import Feedback, Purchase
    from crm.surveys.models import Survey
    from crm.value.models import CareDate, ConsentEvent

    models = {
        "consent": ConsentEvent,
        "care dates": CareDate,
        "interactions": Interaction,
        "purchases": Purchase,
        "feedback": Feedback,
        "callback plans": CallbackPlan,
        "callbacks": CallbackTask,
        "cases": Case,
        "surveys": Survey,
    }
    return models[name].__table__


@pytest.fixture
def pair(ctx):
    boss = make_user(username="boss", roles=["supervisor"])
    agent = make_user(username="agent1", roles=["agent"])
    other_agent = make_user(username="agent2", roles=["agent"])
    kept = make_customer(
        actor=boss,
        name="张三",
        phones=["13800138000"],
        tags=["老客户"],
        region="华东",
        tier="key",
        owner_id=agent.id,
    )
    dupe = make_customer(
        actor=boss,
        name="张三丰",
        phones=["13911112222", "13800138000"],
        company="武当科技",
        email="zs@example.cn",
        region="华南",
        industry="制造",
        tags=["经销商"],
        notes="重复录入",
        owner_id=other_agent.id,
    )
    for customer in (kept, dupe):
        make_interaction(customer=customer, actor=boss)
    make_interaction(customer=dupe, actor=boss)
    add_purchase(actor=boss, customer=dupe, product="净水器", amount="399", purchased_at=utcnow())
    add_feedback(actor=boss, customer=dupe, content="好", rating=5, received_at=utcnow())
    make_task(make_plan(actor=boss, customer=dupe, assignee=agent))
    case = open_case(
        actor=boss, customer=dupe, subject="漏水", category="after_sales", now=utcnow()
    )
    change_status(actor=boss, case=case, status="resolved", now=utcnow())
    create_link(actor=boss, case=case, now=utcnow())
    record_consent(
        actor=boss,
        customer=dupe,
        channel="sms",
        granted=True,
        source="call",
        given_on=date(2026, 1, 5),
    )
    set_care_date(actor=boss, customer=dupe, kind="birthday", on_date=date(1990, 5, 1))
    db.session.commit()
    return boss, kept, dupe


def test_every_provider_has_rows_to_move_in_this_story(pair) -> None:
    _boss, _kept, dupe = pair
    assert all(provider.count(dupe) for provider in merge_providers())


def test_merge_then_undo_gives_back_every_field_number_and_row(pair) -> None:
    boss, kept, dupe = pair
    before = {kept.id: snapshot(kept.id), dupe.id: snapshot(dupe.id)}
    merge = merge_customers(
        actor=boss,
        source=dupe,
        target=kept,
        choices={"name": "take", "region": "take", "owner_id": "take", "tags": "keep"},
    )
    db.session.commit()
    merged = snapshot(kept.id)
    assert merged["name"] == "张三丰" and merged["region"] == "华南"
    assert merged["company"] == "武当科技" and merged["tags"] == ["老客户"]
    assert merged["tier"] == "key"  # the retired one's "normal" is not taken unasked
    assert all(not ids for ids in snapshot(dupe.id)["rows"].values())
    assert {name: len(ids) for name, ids in merge.moved_rows.items()} == {
        name: len(ids) for name, ids in before[dupe.id]["rows"].items()
    }

    undo_merge(actor=boss, merge=db.session.get(type(merge), merge.id))
    db.session.commit()
    assert {kept.id: snapshot(kept.id), dupe.id: snapshot(dupe.id)} == before
    undone = db.session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == AuditAction.CUSTOMER_MERGE_UNDONE)
    ).all()
    assert sorted(undone) == sorted([str(kept.id), str(dupe.id)])


def test_undo_is_refused_with_the_reason_after_the_kept_customer_is_edited(pair) -> None:
    boss, kept, dupe = pair
    merge = merge_customers(actor=boss, source=dupe, target=kept)
    db.session.commit()
    update_customer(
        actor=boss,
        customer=kept,
        expected_version=kept.version,
        data=ProfileInput(
            name=kept.name,
            phones=[p.number for p in kept.phones],
            company="新公司",
            email=kept.email,
            region=kept.region,
            industry=kept.industry,
            tags=kept.tags,
            notes=kept.notes,
        ),
    )
    db.session.commit()
    with force_locale("en"), pytest.raises(UndoRefused) as refused:
        undo_merge(actor=boss, merge=merge)
    assert refused.value.reasons == ["张三 was edited since the merge: Company."]
    db.session.rollback()
    assert db.session.get(Customer, dupe.id).is_deleted


def test_undo_is_refused_when_a_moved_row_went_elsewhere(pair) -> None:
    boss, kept, dupe = pair
    merge = merge_customers(actor=boss, source=dupe, target=kept)
    third = make_customer(actor=boss, name="李四", phones=["13700000000"])
    db.session.commit()
    # The kept customer is merged on into a third: its rows, the moved ones too, go there.
    merge_customers(actor=boss, source=kept, target=third)
    db.session.commit()
    with force_locale("en"):
        reasons = undo_blockers(merge)
    assert "张三 was deleted or merged again since." in reasons
    assert "3 of the Interactions moved are no longer with 张三." in reasons


def test_a_deleted_interaction_still_goes_back(pair) -> None:
    boss, kept, dupe = pair
    merge = merge_customers(actor=boss, source=dupe, target=kept)
    db.session.commit()
    moved = merge.moved_rows["interactions"][0]

    delete_interaction(actor=boss, interaction=db.session.get(Interaction, moved), reason="录错")
    db.session.commit()
    assert undo_blockers(merge) == []
    undo_merge(actor=boss, merge=merge)
    assert db.session.get(Interaction, moved).customer_id == dupe.id


def test_agents_may_not_undo_and_an_undo_happens_once(pair) -> None:
    boss, kept, dupe = pair
    merge = merge_customers(actor=boss, source=dupe, target=kept)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        undo_merge(actor=make_user(username="agent.three", roles=["agent"]), merge=merge)
    undo_merge(actor=boss, merge=merge)
    db.session.commit()
    with pytest.raises(UndoRefused):
        undo_merge(actor=boss, merge=merge)
