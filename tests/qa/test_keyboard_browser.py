"""Keyboard first (issue 22): a reviewer scores a nine-criterion review with number keys and
submits it with Ctrl+Enter, the interaction in view beside the form, every key press counted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.qa.models import Review
from crm.qa.scorecards import CriterionInput, create_scorecard
from tests.core.test_accessibility import context_page, findings  # noqa: F401 (a fixture)
from tests.factories import make_customer, make_interaction, make_user
from tests.qa.test_browser import sign_in

pytestmark = pytest.mark.browser

NINE = [
    CriterionInput("开场", "greet", "问候", "标准问候语", Decimal(10), "1_5"),
    CriterionInput("开场", "verify", "核实身份", "核实客户身份", Decimal(10), "yes_no"),
    CriterionInput("沟通", "listen", "倾听", "不打断客户", Decimal(10), "1_3"),
    CriterionInput("沟通", "clear", "表达清晰", "用语简明", Decimal(10), "1_5"),
    CriterionInput("沟通", "empathy", "同理心", "安抚情绪", Decimal(10), "1_5"),
    CriterionInput("处理", "solve", "解决问题", "给出方案", Decimal(20), "points", max_points=10),
    CriterionInput("处理", "record", "记录完整", "工单记录", Decimal(10), "yes_no"),
    CriterionInput("处理", "follow", "跟进", "约定回访", Decimal(10), "yes_no", allow_na=True),
    CriterionInput("结束", "close", "结束语", "礼貌结束", Decimal(10), "1_5", critical=True),
]


class Keys:
    """page.keyboard.press, counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)


@pytest.fixture
def review_id(app) -> int:
    with app.app_context():
        admin = make_user(username="admin.chen", roles=["admin"])
        reviewer = make_user(username="qa.zhou", display_name="周质检", roles=["qa"])
        agent = make_user(username="agent.li", display_name="李客服", roles=["agent"])
        card = create_scorecard(
            actor=admin, name="九项评分表", style="weighted", pass_mark=Decimal(80), criteria=NINE
        )
        customer = make_customer(actor=agent, name="张三")
        interaction = make_interaction(
            customer=customer,
            actor=agent,
            summary="咨询退货流程",
            details="客户要求七天无理由退货",
            occurred_at=utcnow(),
            recording_ref="https://pbx.example.com/rec/4711.mp3",
            duration_seconds=95,
        )
        open_case(
            actor=agent,
            customer=customer,
            interaction=interaction,
            subject="退货申请",
            description="商品未拆封，客户要求退货",
            category="after_sales",
            now=utcnow(),
        )
        review = Review(
            interaction_id=interaction.id,
            agent_id=agent.id,
            reviewer_id=reviewer.id,
            scorecard_version_id=card.current.id,
            reason="random",
        )
        db.session.add(review)
        db.session.commit()
        return review.id


def test_a_reviewer_scores_nine_criteria_in_fifteen_key_presses(
    page: Page, live_server, review_id
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "qa.zhou")
    page.goto(f"{live_server.url}/qa/reviews/{review_id}")

    # One screen: the interaction, its recording and its case's thread beside the whole form.
    interaction = page.get_by_role("region", name="服务记录 #", exact=False)
    form = page.get_by_test_id("scoring-form")
    expect(page.get_by_role("link", name="收听录音")).to_be_visible()
    expect(page.get_by_test_id("case-thread")).to_contain_text("商品未拆封")
    left, right = interaction.bounding_box(), form.bounding_box()
    assert left and right and left["x"] + left["width"] <= right["x"]
    submit = page.get_by_role("button", name="提交质检")
    box = submit.bounding_box()
    assert box and box["y"] + box["height"] <= 900, "the submit button is below the fold"

    keys = Keys(page)
    expect(page.get_by_label("问候", exact=True)).to_be_focused()  # the first criterion
    for key in ["5", "1", "3", "5", "5", "1", "0", "1", "n", "5"]:  # "1", "0": 10 points
        keys.press(key)
    expect(page.get_by_role("combobox", name="结束语")).to_have_value("5")
    expect(submit).to_be_focused()  # after the last criterion
    keys.press("Control+Enter")
    expect(page.get_by_role("alert").filter(has_text="质检已提交：100.00 分")).to_be_visible()
    assert keys.count <= 15


def test_a_failing_value_moves_to_its_comment_and_n_marks_not_applicable(
    page: Page, live_server, review_id
) -> None:
    sign_in(page, live_server.url, "qa.zhou")
    page.goto(f"{live_server.url}/qa/reviews/{review_id}")
    expect(page.get_by_label("问候", exact=True)).to_be_focused()
    page.keyboard.press("1")  # 0 % of the credit: fails, a comment is needed
    expect(page.get_by_label("问候", exact=True)).to_have_value("1")
    expect(page.get_by_label("对“问候”的评语")).to_be_focused()
    page.get_by_role("combobox", name="跟进").focus()
    page.keyboard.press("n")
    expect(page.get_by_role("combobox", name="跟进")).to_have_value("na")
    expect(page.get_by_role("combobox", name="结束语")).to_be_focused()
    page.keyboard.press("9")  # not on a 1-5 scale: nothing changes
    expect(page.get_by_role("combobox", name="结束语")).to_have_value("")
    expect(page.get_by_role("combobox", name="结束语")).to_be_focused()


def test_the_scoring_form_has_no_serious_accessibility_finding(
    context_page: Page,  # noqa: F811 (the fixture imported above)
    live_server,
    review_id,
) -> None:
    page = context_page
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, live_server.url, "qa.zhou")
    page.goto(f"{live_server.url}/qa/reviews/{review_id}")
    page.keyboard.press("1")  # a failing value: the comment it needs has the focus
    assert findings(page, "review form:") == []
