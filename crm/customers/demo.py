"""Realistic demo customers and interactions at any size, inserted in bulk.

Rows go in through Core executemany in batches: the ORM's per-object work would turn the
benchmark size (100,000 customers, 1,000,000 interactions) from minutes into hours.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update

from crm.auth.models import User
from crm.customers.models import Customer, CustomerPhone, Purchase, Tier
from crm.customers.search import build_search_grams, build_search_text
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Category, Channel, Direction, Interaction

BATCH = 5_000
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩"
    "凯健俊帆帅旭宁欣怡佳琪雪婷晨阳博文思雨梓涵子轩浩然"
)
CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "苏州",
    "重庆",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "厦门",
]
REGIONS = {
    "上海": "华东",
    "北京": "华北",
    "广州": "华南",
    "深圳": "华南",
    "杭州": "华东",
    "南京": "华东",
    "成都": "西南",
    "武汉": "华中",
    "西安": "西北",
    "苏州": "华东",
    "重庆": "西南",
    "天津": "华北",
    "长沙": "华中",
    "郑州": "华中",
    "青岛": "华东",
    "厦门": "华南",
}
TRADES = [
    "科技",
    "贸易",
    "电子",
    "机械",
    "物流",
    "食品",
    "医药",
    "建材",
    "服饰",
    "家电",
    "网络",
    "化工",
]
INDUSTRIES = ["制造业", "零售", "互联网", "医疗", "教育", "物流", "金融", "餐饮"]
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "186",
    "187",
    "188",
    "189",
    "199",
]
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


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng: random.Random) -> str:
    return "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _batches(total: int) -> Iterator[int]:
    done = 0
    while done < total:
        size = min(BATCH, total - done)
        yield size
        done += size


def seed_customers(count: int, *, rng: random.Random, owners: list[User]) -> list[int]:
    """Insert ``count`` customers with one or two phones each; returns their ids, which are
    consecutive."""
    now = utcnow()
    ids: list[int] = []
    next_id = (db.session.scalar(select(func.max(Customer.id))) or 0) + 1
    for size in _batches(count):
        customers, phones, purchases = [], [], []
        for customer_id in range(next_id, next_id + size):
            city = rng.choice(CITIES)
            name = _person(rng)
            brand = rng.choice("华瑞恒达鑫盛宏信") + rng.choice("泰通源丰安科")
            company = f"{city}{brand}{rng.choice(TRADES)}有限公司"
            numbers = [_mobile(rng)] + ([_mobile(rng)] if rng.random() < 0.2 else [])
            email = f"c{customer_id}@example.cn" if rng.random() < 0.6 else None
            tier = rng.choices([t.value for t in Tier], weights=[80, 15, 5])[0]
            search_text = build_search_text(name=name, company=company, email=email, phones=numbers)
            customers.append(
                {
                    "id": customer_id,
                    "name": name,
                    "company": company,
                    "email": email,
                    "region": REGIONS[city],
                    "industry": rng.choice(INDUSTRIES),
                    "tier": tier,
                    "tags": ["重点"] if tier == Tier.KEY.value else [],
                    "owner_id": rng.choice(owners).id if owners else None,
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


def seed_interactions(
    count: int, *, rng: random.Random, customer_ids: list[int], agents: list[User]
) -> None:
    """Insert ``count`` interactions spread over the last year, then set each customer's last
    contact in one statement."""
    if not customer_ids or not agents or count <= 0:
        return
    now = utcnow()
    categories = list(SUMMARIES)
    for size in _batches(count):
        rows = []
        for _ in range(size):
            category = rng.choices(categories, weights=[35, 25, 20, 10, 10])[0]
            agent = rng.choice(agents)
            occurred = now - timedelta(minutes=rng.randrange(5, 365 * 24 * 60))
            rows.append(
                {
                    "customer_id": rng.choice(customer_ids),
                    "agent_id": agent.id,
                    "created_by_id": agent.id,
                    "channel": rng.choices([c.value for c in Channel], weights=[60, 10, 20, 5, 5])[
                        0
                    ],
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
