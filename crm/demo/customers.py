"""Realistic demo customers and interactions at any size, inserted in bulk.

Rows go in through Core executemany in batches: the ORM's per-object work would turn the
benchmark size (100,000 customers, 1,000,000 interactions) from minutes into hours.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import func, insert, select, update

from crm.auth.models import User
from crm.customers.models import Customer, CustomerPhone, Purchase, Tier
from crm.customers.search import build_search_grams, build_search_text
from crm.database import utcnow
from crm.demo import people
from crm.extensions import db
from crm.interactions.models import Category, Channel, Direction, Interaction
from crm.timezones import department_today, department_zone
from crm.workdays import DayRule, working_day_rule

BATCH = 5_000
PRODUCTS = [
    ("智能空气净化器 X3", "2999.00"),
    ("商用咖啡机 Pro", "12800.00"),
    ("扫地机器人 S7", "2499.00"),
    ("年度维保服务", "1200.00"),
    ("净水器滤芯套装", "399.00"),
]
SUMMARIES = {
    Category.INQUIRY: ["咨询产品价格与配置", "询问发货时间", "了解会员优惠活动", "咨询发票开具"],
    Category.TECH_SUPPORT: [
        "设备无法开机，远程指导排查",
        "App 无法连接设备",
        "固件升级失败",
        "报错代码 E12",
    ],
    Category.AFTER_SALES: ["申请上门维修", "配件更换", "退换货申请", "安装预约"],
    Category.COMPLAINT: ["投诉配送延迟", "投诉维修人员态度", "投诉产品质量问题", "重复来电未解决"],
    Category.CALLBACK: ["定期回访：使用情况良好", "回访：提出改进建议", "回访未接通"],
}
OUTCOMES = ["已解决", "已转技术支持", "待客户确认", "已安排上门", "已记录建议"]


#: the channels of the years of history; contact-form cases arrive by crm/demo/channels.py
DEMO_CHANNELS = [c.value for c in Channel if c != Channel.WEB]


def _batches(total: int) -> Iterator[int]:
    done = 0
    while done < total:
        size = min(BATCH, total - done)
        yield size
        done += size


def seed_customers(count: int, *, rng: random.Random, owners: list[User]) -> list[int]:
    """Insert ``count`` customers, most working for a firm that a few others work for too, with
    a mobile (sometimes two) and often the firm's landline; returns their ids, which are
    consecutive. About one in twenty is a key account, the first ones so that even a small
    demo has some."""
    now = utcnow()
    ids: list[int] = []
    firms = people.companies(rng, max(8, count // 4))
    first_id = next_id = (db.session.scalar(select(func.max(Customer.id))) or 0) + 1
    for size in _batches(count):
        customers, phones, purchases = [], [], []
        for customer_id in range(next_id, next_id + size):
            firm = rng.choice(firms) if rng.random() < 0.8 else None
            city = firm.city if firm else rng.choice(list(people.CITIES))
            name = people.person(rng)
            numbers = [people.mobile(rng)]
            if firm is not None and rng.random() < 0.4:
                numbers.append(people.landline(rng, city))
            elif rng.random() < 0.15:
                numbers.append(people.mobile(rng))
            email = people.email(rng, name, firm)
            serial = customer_id - first_id
            tier = (
                Tier.KEY.value
                if serial % 20 == 0
                else rng.choices([Tier.NORMAL.value, Tier.VIP.value], weights=[85, 15])[0]
            )
            company = firm.name if firm else None
            search_text = build_search_text(name=name, company=company, email=email, phones=numbers)
            customers.append(
                {
                    "id": customer_id,
                    "name": name,
                    "company": company,
                    "email": email,
                    "region": people.CITIES[city][0],
                    "industry": firm.industry if firm else None,
                    "tier": tier,
                    "tags": ["重点"] if tier == Tier.KEY.value else [],
                    "owner_id": owners[serial % len(owners)].id if owners else None,
                    "search_text": search_text,
                    "search_grams": build_search_grams(search_text),
                    "created_at": now - timedelta(days=rng.randrange(400, 900)),
                    "updated_at": now,
                    "version": 1,
                }
            )
            for position, number in enumerate(numbers):
                phones.append(
                    {
                        "customer_id": customer_id,
                        "number": number,
                        "digits_reversed": number.lstrip("+")[::-1],
                        "is_primary": position == 0,
                    }
                )
            if rng.random() < 0.3:
                product, amount = rng.choice(PRODUCTS)
                purchases.append(
                    {
                        "customer_id": customer_id,
                        "product": product,
                        "amount": Decimal(amount),
                        "purchased_at": now - timedelta(days=rng.randrange(1, 700)),
                        "order_number": f"SO{customer_id:08d}",
                        "created_at": now,
                    }
                )
        db.session.execute(insert(Customer), customers)
        db.session.execute(insert(CustomerPhone), phones)
        if purchases:
            db.session.execute(insert(Purchase), purchases)
        ids.extend(range(next_id, next_id + size))
        next_id += size
    return ids


def office_hours_before(rng: random.Random, now: datetime, days: int, is_open: DayRule) -> datetime:
    """A moment during office hours (9:00-18:00 in the department's zone) on a working day
    within the last ``days`` days, before ``now``."""
    zone = department_zone()
    today = department_today(now)
    while True:
        day = today - timedelta(days=rng.randrange(days))
        if not is_open(day):
            continue
        local = datetime.combine(day, time(9), tzinfo=zone) + timedelta(
            minutes=rng.randrange(9 * 60)
        )
        if local < now:
            return local.astimezone(UTC)


def seed_interactions(
    count: int, *, rng: random.Random, customer_ids: list[int], agents: list[User]
) -> None:
    """Insert ``count`` interactions in office hours on working days, three in ten of them in
    the last month (the agents' busy present) and the rest over the year before, then set each
    customer's last contact in one statement."""
    if not customer_ids or not agents or count <= 0:
        return
    now = utcnow()
    is_open = cache(working_day_rule())
    categories = list(SUMMARIES)
    for size in _batches(count):
        rows = []
        for _ in range(size):
            # Complaints are rare, and QA reviews every one of them.
            category = rng.choices(categories, weights=[40, 25, 22, 3, 10])[0]
            agent = rng.choice(agents)
            occurred = office_hours_before(rng, now, 30 if rng.random() < 0.3 else 365, is_open)
            rows.append(
                {
                    "customer_id": rng.choice(customer_ids),
                    "agent_id": agent.id,
                    "created_by_id": agent.id,
                    "channel": rng.choices(DEMO_CHANNELS, weights=[60, 10, 20, 5, 5])[0],
                    "category": category.value,
                    "direction": Direction.OUTBOUND.value
                    if category == Category.CALLBACK
                    else Direction.INBOUND.value,
                    "summary": rng.choice(SUMMARIES[category]),
                    "outcome": rng.choice(OUTCOMES),
                    "occurred_at": occurred,
                    "created_at": occurred,
                }
            )
        db.session.execute(insert(Interaction), rows)
    newest = (
        select(func.max(Interaction.occurred_at))
        .where(
            Interaction.customer_id == Customer.id,
            Interaction.deleted_at.is_(None),
            Interaction.reached.is_(True),
        )
        .scalar_subquery()
    )
    db.session.execute(
        update(Customer)
        .where(Customer.id.between(min(customer_ids), max(customer_ids)))
        .values(last_contact_at=newest, updated_at=Customer.updated_at)
        .execution_options(synchronize_session=False)
    )
