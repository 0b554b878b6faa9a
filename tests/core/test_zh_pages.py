"""Every page, as every role, in Simplified Chinese: the text a user sees holds no common English
UI word and no raw code of the app's enums (``tech_support``, ``in_progress``).

The walk is the hostile-pages walk (``app.url_map``, every role), over the same objects typed in
Chinese. Only what a reader sees is checked: text outside scripts, styles and code samples, and
the attributes a browser shows (placeholders, tooltips, labels for assistive technology, the
text of input buttons)."""

from __future__ import annotations

import importlib
import re
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update

from crm.auth.models import User
from crm.auth.permissions import Role
from crm.cases.services import change_status, open_case
from crm.customers.models import Customer
from crm.database import utcnow
from crm.extensions import db
from crm.qa.models import Criterion, Scorecard
from crm.reports.monthly import prepare_previous_month
from tests.conftest import login
from tests.core.hostile import KINDS, seed
from tests.core.test_hostile_pages import page_paths
from tests.qa.support import SMALL_CARD

ROOT = Path(__file__).resolve().parents[2]

#: English words a Chinese page must not show; matched whole, in any case
ENGLISH = """
    Save Cancel Delete Edit Search Name Status Category Priority Customer Customers Case Cases
    Agent Date Next Previous Submit Filter Export Import rows row from of Total Open Closed
    Resolved None True False Add Back Close Create Update Remove Yes No Page Home Logout Settings
    Report Reports Score Review Reviews Training Session Topic Callback Callbacks Task Tasks Plan
    Interaction Interactions Phone Subject Description Notes Created Updated Assignee Owner
    Actions Action Download Upload Loading Error Warning Required Optional Show Hide More All
    Role Roles User Users Password Token Holiday Scorecard Calibration Dispute Survey Incident
    Tier Region Company Tags Overdue Today Upcoming Pending Done Skipped Breached Reason Note
    Summary Details Outcome Product Amount Weight Version Criteria Criterion Comment Comments
    Title Location Attendance Present Absent Late View Details Apply Reset Clear Sort Month Week
    Year Day Days Hours Minutes Rate Average Count Target Channel Direction Inbound Outbound
    Email Mail Unknown Other Breadcrumb the and to for with by is are not your this
"""
#: the codes of the app's enums, found in every ``models.py`` and the permission table
ENUM_SOURCES = [*sorted(ROOT.glob("crm/**/models.py")), ROOT / "crm/auth/permissions.py"]
#: tags whose text is a code sample, shown as typed (the API reference's paths and fields)
CODE_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "template"}
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

#: what the seeded users typed, in Chinese
CHINESE = {
    "user": "王小明",
    "customer": "李华",
    "company": "华东贸易有限公司",
    "region": "华东",
    "tag": "重点",
    "notes": "老客户",
    "summary": "咨询发票",
    "details": "客户询问发票开具进度",
    "outcome": "已答复",
    "product": "空气净化器",
    "feedback": "服务很好",
    "subject": "无法开机",
    "description": "设备通电后无反应",
    "transfer": "转技术组",
    "purpose": "回访满意度",
    "filter": "我的重点客户",
    "file": "客户名单",
    "topic": "投诉处理",
    "session": "新人培训",
    "location": "三楼会议室",
    "holiday": "国庆节",
    "token": "工单系统",
    "scorecard": "通话质检表",
    "section": "服务规范",
    "criterion": "开场白",
    "definition": "使用标准开场白",
    "comment": "语速偏快",
    "dispute": "录音中已致歉",
    "calibration": "五月校准",
    "incident": "电话系统故障",
    "update": "已切换备用线路",
    "survey": "满意",
    "skip": "客户出差",
    "message": "请问发票什么时候开？",
    "note": "已联系财务",
    "sender": "周女士",
    "template": "常用答复",
    "requester": "韩梅梅",
    "web message": "网页留言：空调不制冷",
    "article": "退款流程",
    "article body": "客户申请退款时，先核对订单",
    "article tag": "售后",
    "team": "客服一组",
    "action": "低分客户回访",
    "action details": "满意度低于3分的客户48小时内回访",
    "action finding": "退款处理慢",
    "action comment": "本周已回访5位客户",
    "action outcome": "满意度有所提升",
    "narrative": "上一年度满意度未达标",
    "budget item": "培训讲师",
    "budget note": "全年12次",
    "segment": "流失风险",
    "offer": "回购立减",
    "subcategory": "退款申请",
}
#: ASCII the seed typed on purpose: user names and criterion codes are data, not UI
SEEDED_ASCII = [f"{role.value}.one" for role in Role] + ["qa.two"]
SEEDED_ASCII += [criterion.code for criterion in SMALL_CARD]
#: values the hostile walk types into search boxes, echoed back as typed
TYPED = re.compile(r"\S*<i id=x>")
LISTED = re.compile(r'\.in_\(\[((?:\s*"[^"]+",?)+)\s*\]\)')
ADDRESSES = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+|/[\w/.{}<>:-]+")


def enum_codes() -> set[str]:
    codes = set()
    for path in ENUM_SOURCES:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                codes |= {member.value for member in value}
        # Codes a CHECK constraint lists as literals: ``in_(["first_response", "resolution"])``
        for listed in LISTED.findall(path.read_text(encoding="utf-8")):
            codes |= set(re.findall(r'"([^"]+)"', listed))
    return codes


class VisibleText(HTMLParser):
    """The text of a page as a reader meets it, one piece per text node or shown attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        shown = dict(attrs)
        for name in SHOWN_ATTRIBUTES & shown.keys():
            self.pieces.append(shown[name] or "")
        if tag == "input" and shown.get("type") in {"submit", "button", "reset"}:
            self.pieces.append(shown.get("value") or "")
        if tag in CODE_TAGS:
            self.hidden.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.hidden:
            del self.hidden[len(self.hidden) - 1 - self.hidden[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.pieces.append(data)


def visible_text(html: str, data: re.Pattern[str] | None = None) -> list[str]:
    """The shown text, less addresses and the ``data`` users (or the migrations) typed."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    data = data or whole_words(set(SEEDED_ASCII), ignore_case=False)
    pieces = []
    for piece in parser.pieces:
        piece = ADDRESSES.sub(" ", data.sub(" ", TYPED.sub(" ", piece)))
        if piece.strip():
            pieces.append(" ".join(piece.split()))
    return pieces


def whole_words(words: set[str], *, ignore_case: bool) -> re.Pattern[str]:
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<![A-Za-z0-9_])({alternatives})(?![A-Za-z0-9_])", flags)


def findings(pieces: list[str]) -> set[tuple[str, str]]:
    """(word, the text it stands in) for every English word or enum code."""
    codes = whole_words(enum_codes(), ignore_case=False)
    english = whole_words(set(ENGLISH.split()), ignore_case=True)
    found = set()
    for piece in pieces:
        for pattern in (codes, english):
            found |= {(match.group(1), piece[:120]) for match in pattern.finditer(piece)}
    return found


def test_the_checker_sees_what_a_reader_sees() -> None:
    page = (
        "<html><head><title>客户</title><style>.Save{}</style><script>var Cancel</script></head>"
        '<body><p>来自 <b>tech_support</b></p><input type="submit" value="Submit">'
        '<input name="status" value="in_progress"><a href="/cases?status=open" title="Edit">'
        "编辑</a><code>GET /api/v1/cases?status=open</code><p>agent.one a@b.cn</p></body></html>"
    )
    assert {word for word, _text in findings(visible_text(page))} == {
        "tech_support",
        "Submit",
        "Edit",
    }
    assert {"tech_support", "in_progress", "after_sales", "first_response"} <= enum_codes()


def seed_in_chinese() -> tuple[dict[str, int | str], re.Pattern[str]]:
    """The hostile walk's objects typed in Chinese, plus cases in more states and categories;
    returns the URL values and a pattern for the ASCII that is data (user names, the default
    scorecard the migrations made with its English names)."""
    values = seed(lambda kind: CHINESE[kind])
    now = utcnow()
    agent = db.session.get(User, values["user_id"])
    customer = db.session.get(Customer, values["customer_id"])
    for category, status in (("after_sales", "in_progress"), ("complaint", "waiting_customer")):
        case = open_case(actor=agent, customer=customer, subject="退货", category=category, now=now)
        change_status(actor=agent, case=case, status=status, now=now)
    prepare_previous_month(now)
    db.session.execute(update(User).values(locale="zh_Hans_CN"))
    db.session.commit()
    data = set(SEEDED_ASCII)
    data |= set(db.session.scalars(select(Scorecard.name)))
    for criterion in db.session.scalars(select(Criterion)):
        data |= {criterion.name, criterion.code, criterion.section}
    return values, whole_words(data, ignore_case=False)


def test_every_page_for_every_role_is_chinese(app: Flask) -> None:
    assert set(CHINESE) == set(KINDS)
    with app.app_context():
        values, data = seed_in_chinese()
    paths = page_paths(app, values)
    seen: dict[tuple[str, str], set[str]] = {}
    for role in Role:
        client = app.test_client()
        assert login(client, f"{role.value}.one").status_code == 302
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (role.value, path)
            if response.mimetype != "text/html" or response.status_code >= 300:
                response.close()  # a downloaded file stays open until closed
                continue
            for word, text in findings(visible_text(response.get_data(as_text=True), data)):
                seen.setdefault((path.split("?")[0], word), set()).add(text)
    for (path, word), texts in sorted(seen.items()):
        print(f"{path}: {word!r} in {sorted(texts)[:2]}")
    assert sorted(seen) == []
