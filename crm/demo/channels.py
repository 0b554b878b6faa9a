"""The demo's channels: each department's queue worked round-robin by the agents, the reply
templates a team starts with, and this morning's arrivals by e-mail and the contact form (one
from a customer on file, one from a stranger, one answered already)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from crm.auth.models import User
from crm.cases.models import Case, Department
from crm.cases.routing import set_routing
from crm.channels.inbound import InboundMessage, receive
from crm.channels.models import ReplyTemplate
from crm.channels.portal import issue_link
from crm.channels.reply_templates import save_template
from crm.channels.thread import reply
from crm.customers.models import Customer
from crm.extensions import db

TEMPLATES = (
    (
        "已收到，正在处理",
        "{customer_name}您好：\n\n您的工单 #{case_number} 我们已收到，正在处理，"
        "预计今天内给您答复。\n\n客服中心",
    ),
    (
        "请提供订单号",
        "{customer_name}您好：\n\n为尽快处理工单 #{case_number}，请回复您的订单号和购买日期。"
        "\n\n客服中心",
    ),
    (
        "问题已解决",
        "{customer_name}您好：\n\n工单 #{case_number} 的问题已处理完毕。如仍有疑问，"
        "直接回复此邮件即可。\n\n客服中心",
    ),
)


def seed_channels(
    *, rng: random.Random, supervisor: User, agents: list[User], now: datetime
) -> int:
    """Set up routing and templates and receive the morning's mail; returns the cases opened."""
    if not agents:
        return 0
    for department in Department:
        set_routing(
            actor=supervisor,
            department=department.value,
            mode="round_robin",
            agent_ids={agent.id for agent in agents},
        )
    if db.session.scalar(select(ReplyTemplate.id).limit(1)) is None:
        for name, body in TEMPLATES:
            save_template(actor=supervisor, template=None, name=name, body=body, active=True)
    customer = db.session.scalars(
        select(Customer).where(Customer.email.is_not(None)).order_by(Customer.id).limit(1)
    ).first()
    arrivals = [
        InboundMessage(
            channel="email",
            external_id=f"<demo-{uuid.uuid4().hex}@mail.example.cn>",
            subject="发票抬头开错了，能否重开？",
            body_text="你好，上周的订单发票抬头写错了公司名称，麻烦帮忙重开一张。谢谢！",
            received_at=now - timedelta(minutes=rng.randrange(20, 50)),
            sender_address=customer.email if customer else "buyer@example.cn",
            sender_name=customer.name if customer else "采购部",
        ),
        InboundMessage(
            channel="email",
            external_id=f"<demo-{uuid.uuid4().hex}@mail.example.cn>",
            subject="咨询企业版价格",
            body_text="您好，我们公司有 50 人左右，想了解企业版的报价和试用。",
            received_at=now - timedelta(minutes=rng.randrange(5, 15)),
            sender_address="zhao.min@newclient.example.cn",
            sender_name="赵敏",
        ),
        InboundMessage(
            channel="web",
            external_id=f"web:{uuid.uuid4()}",
            subject="设备开机后一直报错 E03",
            body_text="设备开机后屏幕一直显示 E03，重启也没用。",
            received_at=now - timedelta(minutes=rng.randrange(60, 90)),
            sender_name="孙先生",
            sender_phone="13911112222",
            category="tech_support",
        ),
    ]
    opened = [db.session.get(Case, receive(message).case) for message in arrivals]
    issue_link(opened[-1])  # the contact form's thanks page gave 孙先生 his status page
    first = opened[0]
    handler = db.session.get(User, first.assignee_id) if first.assignee_id else None
    if handler is not None:
        reply(
            actor=handler,
            case=first,
            body="您好，请回复正确的公司全称和税号，我们今天为您重开。",
            now=first.opened_at + timedelta(minutes=8),
        )
    return len(opened)
