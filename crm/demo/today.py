"""Today's open cases: the work each agent finds on signing in, whatever day the demo is loaded.

Made through the case services at past moments, so that every case has its opening contact,
its events, its audit entries and an SLA clock that reads right against the real clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import cycle

from crm.auth.models import User
from crm.cases.models import CaseStatus
from crm.cases.services import change_status, open_case
from crm.customers.models import Customer
from crm.extensions import db
from crm.interactions.models import Category


@dataclass(frozen=True)
class Story:
    #: one per agent, so that the team queue does not read as one case thrice
    subjects: tuple[str, ...]
    category: Category
    #: how long ago the customer called
    opened_ago: timedelta
    #: the statuses the case went through, each this long after the opening
    steps: tuple[tuple[CaseStatus, timedelta], ...]
    priority: str = "normal"


MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
#: within the 2-minute first response most of the time
SOON = timedelta(seconds=90)
#: each agent's desk: one case of each open state, one about to breach and one breached (the
#: SLA defaults: tech support 1 h, the others 24 h; 80 % used warns)
DESK = (
    Story(
        ("设备报错 E12，无法启动", "空气净化器屏幕不亮", "App 提示设备离线"),
        Category.TECH_SUPPORT,
        20 * MIN,
        (),
    ),
    Story(
        ("净水器漏水，申请上门维修", "咖啡机研磨异响，申请维修", "扫地机器人主刷损坏"),
        Category.AFTER_SALES,
        21 * HOUR,
        ((CaseStatus.ACCEPTED, SOON), (CaseStatus.IN_PROGRESS, SOON)),
        "high",
    ),
    Story(
        ("投诉配送延迟三天", "投诉安装师傅迟到", "投诉退款迟迟未到账"),
        Category.COMPLAINT,
        30 * HOUR,
        ((CaseStatus.IN_PROGRESS, SOON),),
        "high",
    ),
    Story(
        ("发票抬头开错，需要重开", "确认企业采购合同条款", "咨询以旧换新细则"),
        Category.INQUIRY,
        6 * HOUR,
        ((CaseStatus.IN_PROGRESS, SOON), (CaseStatus.WAITING, 2 * HOUR)),
    ),
    Story(
        ("咨询企业采购优惠", "咨询延保服务价格", "咨询会员积分兑换"),
        Category.INQUIRY,
        3 * HOUR,
        ((CaseStatus.ACCEPTED, SOON),),
    ),
    Story(
        ("App 无法连接设备", "固件升级失败", "Wi-Fi 配网不成功"),
        Category.TECH_SUPPORT,
        26 * HOUR,
        ((CaseStatus.IN_PROGRESS, SOON), (CaseStatus.RESOLVED, 45 * MIN)),
    ),
    Story(
        ("更换滤芯后仍有异味", "维修后再次出现故障", "更换配件后仍然漏水"),
        Category.AFTER_SALES,
        4 * 24 * HOUR,
        (
            (CaseStatus.IN_PROGRESS, SOON),
            (CaseStatus.RESOLVED, 20 * HOUR),
            (CaseStatus.REOPENED, 3 * 24 * HOUR),
        ),
    ),
)
#: web-form and e-mail requests nobody has taken yet: the supervisors' dispatch
UNASSIGNED = (
    Story(("官网留言：咨询安装费用",), Category.INQUIRY, 40 * MIN, ()),
    Story(("邮件：扫地机器人无法回充",), Category.TECH_SUPPORT, 35 * MIN, ()),
    Story(("投诉客服电话无人接听",), Category.COMPLAINT, 2 * HOUR, (), "urgent"),
)


def _play(
    story: Story,
    *,
    actor: User,
    customer: Customer,
    assignee: User | None,
    now: datetime,
    turn: int = 0,
) -> None:
    opened = now - story.opened_ago
    case = open_case(
        actor=actor,
        customer=customer,
        subject=story.subjects[turn % len(story.subjects)],
        category=story.category.value,
        priority=story.priority,
        assignee=assignee,
        now=opened,
        channel="email" if assignee is None else "phone",
    )
    for status, after in story.steps:
        change_status(actor=actor, case=case, status=status.value, now=opened + after)


def seed_open_cases(
    *, rng: random.Random, customer_ids: list[int], agents: list[User], now: datetime
) -> int:
    """Give every agent one case in each open state (one about to breach, one breached) and
    leave a few new ones unassigned; returns how many cases."""
    if not customer_ids or not agents:
        return 0
    picked = rng.sample(customer_ids, min(len(customer_ids), len(agents) * len(DESK) + 3))
    customers = cycle([db.session.get(Customer, customer_id) for customer_id in picked])
    made = 0
    for turn, agent in enumerate(agents):
        for story in DESK:
            _play(story, actor=agent, customer=next(customers), assignee=agent, now=now, turn=turn)
            made += 1
    for story in UNASSIGNED:
        _play(story, actor=agents[0], customer=next(customers), assignee=None, now=now)
        made += 1
    return made
