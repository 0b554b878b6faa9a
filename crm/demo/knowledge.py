# ruff: noqa: E501 - the article texts are data, kept one line per sentence group
"""The demo's knowledge base: about 30 articles and call scripts (话术) over the four service
categories, some public in the help centre, a few drafts, and the synonyms a team starts with."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from crm.knowledge.categories import add_subcategory
from crm.knowledge.links import set_links
from crm.knowledge.models import Article
from crm.knowledge.services import ArticleText, publish, save_article, save_synonyms
from crm.timezones import department_today
from crm.training.models import TrainingTopic

#: (title, category, public, body); bodies are short Markdown
ARTICLES: tuple[tuple[str, str, bool, str], ...] = (
    (
        "退款流程",
        "after_sales",
        False,
        "## 适用范围\n七天无理由及质量问题退款。\n\n## 步骤\n1. 核对订单号、购买日期和支付方式\n"
        "2. 确认商品已寄回或已拒收\n3. 在订单系统提交退款申请\n4. 告知客户：原路退回，3-7 个工作日到账",
    ),
    (
        "如何申请退款",
        "after_sales",
        True,
        "您可以在“我的订单”中点击**申请退款**，填写原因后提交。\n\n- 未发货订单：立即退款\n"
        "- 已收货订单：请先寄回商品，我们收到后 3 个工作日内办理退款",
    ),
    (
        "退货运费谁承担",
        "after_sales",
        True,
        "质量问题退货，运费由我们承担；七天无理由退货，运费由您承担。",
    ),
    (
        "换货流程",
        "after_sales",
        False,
        "1. 确认换货原因（尺寸、颜色、质量）\n2. 检查库存\n3. 创建换货单并发送寄回地址\n"
        "4. 收到退回商品后 24 小时内发出新品",
    ),
    (
        "保修政策说明",
        "after_sales",
        True,
        "整机保修一年，主要部件保修三年。保修期内非人为损坏免费维修，需提供购买凭证。",
    ),
    (
        "上门维修预约",
        "after_sales",
        False,
        "登记客户地址和方便的时间段，在维修系统中派单；预约成功后短信通知客户，工程师提前 30 分钟电话确认。",
    ),
    (
        "发票开具与补开",
        "inquiry",
        True,
        "电子发票在确认收货后自动发送到您的邮箱。如需补开或更换抬头，请提供订单号和新的抬头、税号。",
    ),
    (
        "会员积分规则",
        "inquiry",
        True,
        "每消费 1 元积 1 分，积分可在下单时抵扣（100 分抵 1 元），有效期两年。",
    ),
    (
        "物流查询方法",
        "inquiry",
        True,
        "在“我的订单”中点击**查看物流**即可看到快递单号和实时位置；发货后 48 小时内没有物流信息请联系我们。",
    ),
    (
        "营业时间与联系方式",
        "inquiry",
        True,
        "客服热线每天 8:00-22:00；在线留言 24 小时受理，我们会在工作时间内尽快回复。",
    ),
    (
        "修改收货地址",
        "inquiry",
        False,
        "未发货订单可直接在后台修改地址；已发货订单需联系快递公司改派，并在工单中记录新地址。",
    ),
    (
        "价格保护说明",
        "inquiry",
        False,
        "购买后 7 天内降价，可申请退差价，需核对降价截图和订单时间。优惠券不参与价保。",
    ),
    (
        "设备无法开机排查",
        "tech_support",
        True,
        "1. 检查电源线和插座\n2. 长按电源键 10 秒强制重启\n3. 仍无法开机请记下型号和序列号，联系我们安排检测",
    ),
    (
        "无线网络连接失败",
        "tech_support",
        True,
        "确认路由器为 2.4GHz 频段，密码中不含特殊字符；在设备上选择“重置网络”后重新配网。",
    ),
    (
        "固件升级步骤",
        "tech_support",
        False,
        "在管理后台查看当前版本；升级过程中不要断电；升级失败时可用恢复模式回滚到上一版本。",
    ),
    (
        "遥控器失灵处理",
        "tech_support",
        True,
        "更换电池；对准设备重新配对（同时按住菜单键和音量键 5 秒）。",
    ),
    (
        "滤网清洗与更换",
        "tech_support",
        True,
        "滤网建议每月清洗一次，每六个月更换一次。清洗时用清水冲洗，完全晾干后再装回。",
    ),
    (
        "异响与噪音排查",
        "tech_support",
        False,
        "询问噪音出现的时间和位置；检查设备是否放平、是否有异物；仍有异响请安排上门检测。",
    ),
    (
        "账户密码找回",
        "tech_support",
        True,
        "在登录页点击**忘记密码**，通过绑定的手机号接收验证码后重设密码。",
    ),
    (
        "投诉受理规范",
        "complaint",
        False,
        "## 受理\n记录客户诉求、期望结果和联系方式，24 小时内给出处理方案。\n\n## 闭环\n"
        "结案前必须填写根本原因、整改措施，并取得客户确认。",
    ),
    (
        "物流延误投诉处理",
        "complaint",
        False,
        "先致歉，查询物流节点；超过承诺时效的订单可补偿优惠券（需主管批准），并跟进至签收。",
    ),
    (
        "服务态度投诉处理",
        "complaint",
        False,
        "调取通话录音核实；向客户致歉并说明改进措施；将结果同步质检组。",
    ),
    (
        "补偿标准",
        "complaint",
        False,
        "| 情况 | 补偿 |\n|---|---|\n| 物流延误 3 天以上 | 20 元优惠券 |\n| 商品质量问题 | 免费换新或退款 |\n"
        "| 上门维修爽约 | 50 元优惠券 |",
    ),
    (
        "如何投诉与建议",
        "complaint",
        True,
        "您可以拨打客服热线或在线留言，我们会在 24 小时内联系您，并告知处理结果。",
    ),
)

#: one call script per category
SCRIPTS: tuple[tuple[str, str, str], ...] = (
    (
        "咨询来电话术",
        "inquiry",
        "## 开场白\n您好，我是{agent_name}，很高兴为您服务。\n\n## 身份核实\n请问是{customer_name}本人吗？\n\n"
        "## 了解问题\n请问您想咨询哪方面的问题？\n\n## 结束语\n还有其他可以帮您的吗？感谢您的来电。",
    ),
    (
        "技术支持话术",
        "tech_support",
        "## 开场白\n您好，我是技术支持{agent_name}。\n\n## 身份核实\n请提供设备型号和序列号。\n\n"
        "## 了解问题\n故障是什么时候开始的？指示灯是什么颜色？\n\n## 结束语\n工单号是 #{case_number}，"
        "如问题再次出现请直接回复。",
    ),
    (
        "售后服务话术",
        "after_sales",
        "## 开场白\n{customer_name}您好，我是售后{agent_name}。\n\n## 身份核实\n请提供订单号和收货人手机号。\n\n"
        "## 解答\n我们会按照保修政策为您处理。\n\n## 结束语\n处理进度会短信通知您，工单号 #{case_number}。",
    ),
    (
        "投诉安抚话术",
        "complaint",
        "## 开场白\n{customer_name}您好，我是{agent_name}，非常抱歉给您带来不便。\n\n## 投诉安抚\n"
        "非常理解您的心情，这件事我会负责跟进到底。\n\n## 了解问题\n请您详细说一下经过，我都记下来。\n\n"
        "## 结束语\n我们会在 24 小时内给您答复，工单号 #{case_number}。",
    ),
)

DRAFTS: tuple[tuple[str, str, str], ...] = (
    ("以旧换新活动说明（草稿）", "inquiry", "活动规则待市场部确认。"),
    ("新款空气净化器常见问题（草稿）", "tech_support", "待产品培训后补充。"),
)

#: the second level of the category tree: (category, subcategory, words of the titles it takes)
SUBCATEGORIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("after_sales", "退款与退换货", ("退款", "退货", "换货")),
    ("after_sales", "保修与维修", ("保修", "维修")),
    ("inquiry", "订单与物流", ("物流", "地址", "价格")),
    ("inquiry", "发票与会员", ("发票", "积分")),
)
#: articles whose review-by day has passed, so their owners see them flagged
STALE_TITLES = ("价格保护说明", "会员积分规则", "保修政策说明")

SYNONYMS = "退款 退钱 退费\n发票 开票\n物流 快递 送货\n投诉 差评 不满意\n密码 口令"


def seed_knowledge(*, rng: random.Random, editor: User, authors: list[User]) -> int:
    """Write and publish the demo's articles and scripts; returns how many were made."""
    made = 0
    for title, category, public, body in ARTICLES:
        author = rng.choice(authors) if authors else editor
        text = ArticleText(title, body, category, "public" if public else "internal")
        article = save_article(actor=editor, article=None, text=text)
        article.owner_id = author.id
        publish(actor=editor, article=article)
        article.use_count = rng.randint(0, 40)
        made += 1
    for title, category, body in SCRIPTS:
        text = ArticleText(title, body, category, "internal", kind="script")
        publish(actor=editor, article=save_article(actor=editor, article=None, text=text))
        made += 1
    for title, category, body in DRAFTS:
        save_article(
            actor=editor, article=None, text=ArticleText(title, body, category, "internal")
        )
        made += 1
    save_synonyms(actor=editor, lines=SYNONYMS)
    _link_quality_and_training(editor)
    _sort_into_subcategories(editor)
    return made


def _sort_into_subcategories(editor: User) -> None:
    """Build the demo's category tree and flag a few articles as past their review-by day."""
    articles = list(db.session.scalars(select(Article).where(Article.kind == "article")))
    for category, name, words in SUBCATEGORIES:
        sub = add_subcategory(actor=editor, category=category, name=name)
        for article in articles:
            if article.category == category and any(w in article.title for w in words):
                article.subcategory = sub
    overdue = department_today(utcnow()) - timedelta(days=10)
    for article in articles:
        if article.title in STALE_TITLES:
            article.review_by = overdue
    db.session.flush()


#: article title -> (the QA criterion codes it is the standard of, the training topics it serves)
LINKS = {
    "投诉受理规范": (("procedure",), ("投诉处理技巧",)),
    "服务态度投诉处理": (("greeting", "patience", "forbidden_words"), ("服务意识",)),
    "投诉安抚话术": (("patience",), ("投诉处理技巧",)),
    "退款流程": (("accuracy",), ("专业技能",)),
    "补偿标准": (("resolution",), ("投诉处理技巧",)),
}


def _link_quality_and_training(editor: User) -> None:
    """Tie the demo's articles to the demo scorecard's criteria and training topics."""
    topics = dict(db.session.execute(select(TrainingTopic.name, TrainingTopic.id)).all())
    for title, (codes, topic_names) in LINKS.items():
        article = db.session.scalar(select(Article).where(Article.title == title))
        if article is not None:
            set_links(
                actor=editor,
                article=article,
                codes=codes,
                topic_ids=[topics[name] for name in topic_names if name in topics],
            )
