"""Customer rules called directly: phones, duplicates, edits, conflicts, deletion, search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.customers import services
from crm.customers.identity import email_shared_with
from crm.customers.models import Customer
from crm.customers.phones import normalise_phone
from crm.customers.saved_filters import delete_filter, save_filter
from crm.customers.search import search_customers
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from tests.factories import make_customer, make_interaction, make_user


@pytest.fixture
def agent(ctx):
    return make_user(username="agent.li", roles=["agent"])


@pytest.fixture
def supervisor(ctx):
    return make_user(username="boss.wang", roles=["supervisor"])


def audit_actions(customer: Customer) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "customer", AuditEntry.object_id == str(customer.id))
            .order_by(AuditEntry.id)
        )
    )


@pytest.mark.parametrize(
    "typed",
    ["+86 138-0013-8000", "13800138000", "0086 138 0013 8000", "138 0013 8000", "+8613800138000"],
)
def test_every_common_way_of_writing_a_mobile_gives_one_number(ctx, typed) -> None:
    assert normalise_phone(typed) == "+8613800138000"


def test_landlines_keep_their_area_code(ctx) -> None:
    assert normalise_phone("(010) 6552-9988") == "+861065529988"


@pytest.mark.parametrize("typed", ["12345", "not a phone", "138001380001234", ""])
def test_a_wrong_number_is_refused_naming_the_phones_field(ctx, typed) -> None:
    with pytest.raises(DomainError) as refused:
        normalise_phone(typed)
    assert refused.value.field == "phones"


class TestCreate:
    def test_a_customer_needs_a_name_and_a_phone_or_email(self, agent) -> None:
        with pytest.raises(DomainError) as refused:
            services.create_customer(actor=agent, data=services.ProfileInput(name="", phones=[]))
        assert refused.value.field == "name"
        with pytest.raises(DomainError) as refused:
            services.create_customer(
                actor=agent, data=services.ProfileInput(name="张三", phones=[])
            )
        assert refused.value.field == "phones"

    def test_a_known_phone_in_another_format_warns_with_the_existing_customer(self, agent) -> None:
        existing = make_customer(actor=agent, name="张三", phones=["13800138000"])
        with pytest.raises(services.DuplicateCustomer) as warned:
            services.create_customer(
                actor=agent, data=services.ProfileInput(name="张叁", phones=["+86 138-0013-8000"])
            )
        assert [c.id for c in warned.value.existing] == [existing.id]

    def test_a_known_email_is_shared_not_a_duplicate_whatever_its_case(self, agent) -> None:
        first = make_customer(actor=agent, phones=[], email="zhang@example.cn")
        second = services.create_customer(
            actor=agent,
            data=services.ProfileInput(name="x", phones=[], email="ZHANG@example.cn"),
        )
        assert [c.id for c in email_shared_with("Zhang@example.cn", exclude_id=second.id)] == [
            first.id
        ]

    def test_the_user_may_create_it_anyway(self, agent) -> None:
        make_customer(actor=agent, phones=["13800138000"])
        second = services.create_customer(
            actor=agent,
            data=services.ProfileInput(name="另一个人", phones=["13800138000"]),
            allow_duplicate=True,
        )
        assert second.id is not None
        assert audit_actions(second) == [AuditAction.CUSTOMER_CREATED]

    def test_only_supervisors_set_tier_and_owner(self, agent, supervisor) -> None:
        with pytest.raises(PermissionDenied):
            make_customer(actor=agent, tier="key")
        customer = make_customer(actor=supervisor, tier="key", owner_id=agent.id)
        assert (customer.tier, customer.owner_id) == ("key", agent.id)


class TestUpdate:
    def test_each_changed_field_is_audited_with_old_and_new_values(self, agent) -> None:
        customer = make_customer(actor=agent, name="李四", phones=["13800138000"])
        changes = services.update_customer(
            actor=agent,
            customer=customer,
            expected_version=customer.version,
            data=services.ProfileInput(
                name="李四", phones=["13800138000", "010 6552 9988"], company="华为", tags=["VIP"]
            ),
        )
        assert changes == {
            "company": [None, "华为"],
            "tags": [[], ["vip"]],
            "phones": [["+8613800138000"], ["+8613800138000", "+861065529988"]],
        }
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.CUSTOMER_UPDATED)
        ).one()
        assert entry.details == changes
        assert customer.version == 2

    def test_an_edit_of_an_old_version_is_refused(self, agent) -> None:
        customer = make_customer(actor=agent, name="王五")
        db.session.commit()
        data = services.ProfileInput(name="王五二", phones=[p.number for p in customer.phones])
        services.update_customer(actor=agent, customer=customer, expected_version=1, data=data)
        db.session.commit()
        with pytest.raises(services.StaleEdit):
            services.update_customer(actor=agent, customer=customer, expected_version=1, data=data)

    def test_two_saves_at_the_same_moment_never_lose_an_edit_silently(self, app, agent) -> None:
        customer_id = make_customer(actor=agent, name="赵六").id
        db.session.commit()
        mine = db.session.get(Customer, customer_id)
        phones = [p.number for p in mine.phones]
        with app.app_context():  # a second request, with its own session
            theirs = db.session.get(Customer, customer_id)
            services.update_customer(
                actor=db.session.get(type(agent), agent.id),
                customer=theirs,
                expected_version=1,
                data=services.ProfileInput(name="赵六", phones=phones, company="他们的修改"),
            )
            db.session.commit()
        with pytest.raises(services.StaleEdit):
            services.update_customer(
                actor=agent,
                customer=mine,
                expected_version=1,
                data=services.ProfileInput(name="赵六", phones=phones, company="我的修改"),
            )
        db.session.rollback()
        assert db.session.get(Customer, customer_id).company == "他们的修改"

    def test_an_agent_cannot_change_the_tier(self, agent) -> None:
        customer = make_customer(actor=agent)
        with pytest.raises(PermissionDenied):
            services.update_customer(
                actor=agent,
                customer=customer,
                expected_version=customer.version,
                data=services.ProfileInput(name=customer.name, phones=["13800138000"]),
                tier="key",
            )


class TestDeleteAndRestore:
    def test_a_deleted_customer_disappears_from_search_and_comes_back(
        self, agent, supervisor
    ) -> None:
        customer = make_customer(actor=agent, name="钱七", phones=["13912345678"])
        with pytest.raises(PermissionDenied):
            services.delete_customer(actor=agent, customer=customer)
        services.delete_customer(actor=supervisor, customer=customer)
        assert search_customers("5678") == []
        assert [hit.customer.id for hit in search_customers("5678", include_deleted=True)] == [
            customer.id
        ]
        services.restore_customer(actor=supervisor, customer=customer)
        assert [hit.customer.id for hit in search_customers("5678")] == [customer.id]
        assert audit_actions(customer)[-2:] == [
            AuditAction.CUSTOMER_DELETED,
            AuditAction.CUSTOMER_RESTORED,
        ]


class TestSearch:
    @pytest.fixture
    def people(self, agent):
        zhang = make_customer(
            actor=agent, name="张三丰", company="武当科技有限公司", phones=["13800138000"]
        )
        other = make_customer(actor=agent, name="李小龙", phones=["13911118000"])
        email = make_customer(actor=agent, name="Li Wei", phones=[], email="li.wei@example.com")
        return zhang, other, email

    def ids(self, query: str) -> list[int]:
        return [hit.customer.id for hit in search_customers(query)]

    def test_the_last_four_digits_find_both_numbers_ending_so(self, people) -> None:
        zhang, other, _ = people
        assert set(self.ids("8000")) == {zhang.id, other.id}

    def test_an_exact_number_ranks_first_in_any_format(self, people) -> None:
        zhang, _, _ = people
        hits = search_customers("+86 138-0013-8000")
        assert (hits[0].customer.id, hits[0].match) == (zhang.id, "phone")

    def test_a_middle_part_of_a_number_finds_it(self, people) -> None:
        zhang, _, _ = people
        assert self.ids("0013") == [zhang.id]

    @pytest.mark.parametrize(
        "query", ["三丰", "张三丰", "武当", "zhangsanfeng", "zsf", "ZSF", "wudang"]
    )
    def test_chinese_parts_pinyin_and_initials_find_the_customer(self, people, query) -> None:
        zhang, _, _ = people
        assert self.ids(query)[:1] == [zhang.id]

    def test_latin_names_and_email_are_found(self, people) -> None:
        _, _, email = people
        assert self.ids("li wei") == [email.id]
        assert self.ids("example.com") == [email.id]

    def test_the_company_legal_suffix_does_not_make_everyone_match(self, people) -> None:
        assert self.ids("yxgs") == []

    def test_nothing_is_found_for_a_stranger_or_an_empty_query(self, people) -> None:
        assert self.ids("王八蛋") == []
        assert self.ids("   ") == []

    def test_like_wildcards_in_the_query_are_literal(self, people) -> None:
        assert self.ids("%") == []
        assert self.ids("_") == []


def test_contacting_a_customer_sets_the_last_contact_without_bumping_the_version(agent) -> None:
    customer = make_customer(actor=agent)
    version = customer.version
    interaction = make_interaction(customer=customer, actor=agent)
    db.session.commit()
    db.session.refresh(customer)
    assert customer.last_contact_at == interaction.occurred_at
    assert customer.version == version


def test_saved_filters_belong_to_their_user(ctx, agent, supervisor) -> None:
    saved = save_filter(actor=agent, name="上海重点", params={"tier": "key", "region": "华东"})
    again = save_filter(actor=agent, name="上海重点", params={"tier": "vip"})
    assert again.id == saved.id
    assert again.params == {"tier": "vip"}
    assert delete_filter(actor=supervisor, filter_id=saved.id) is False
    assert delete_filter(actor=agent, filter_id=saved.id) is True


def test_name_matches_rank_before_company_matches(agent) -> None:
    by_company = make_customer(actor=agent, name="李四", company="网络科技有限公司")
    by_name = make_customer(actor=agent, name="王五", company="某公司")
    db.session.commit()
    make_interaction(customer=by_company, actor=agent)  # contacted more recently
    hits = [hit.customer.id for hit in search_customers("wang")]
    assert hits == [by_name.id, by_company.id]
