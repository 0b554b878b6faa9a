"""Call scripts (话术) filled from the customer: the customer's values stay plain text."""

from __future__ import annotations

import lxml.html

from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_user
from tests.knowledge.support import make_article

HOSTILE_NAMES = (
    "[点我](javascript:alert(1))",
    "**粗体**",
    "<img src=x onerror=alert(1)>",
    "# 标题",
    "`代码`",
    "![图](https://evil.example/x.png)",
)


def _script_case(app, agent, name: str) -> int:
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        make_article(
            actor=boss,
            title="投诉话术",
            body="## 开场白\n您好{customer_name}，我是{agent_name}。\n\n{customer_name}",
            category="complaint",
            kind="script",
        )
        customer = make_customer(actor=agent, name=name)
        case = open_case(
            actor=agent, customer=customer, subject="投诉", category="complaint", now=utcnow()
        )
        db.session.commit()
        return case.id


def test_a_customer_name_in_a_script_is_plain_text_not_markdown(app, client, login_as) -> None:
    agent = login_as("agent", display_name="刘洋")
    for number, name in enumerate(HOSTILE_NAMES):
        case_id = _script_case(app, agent, name)
        panel = client.get(f"/knowledge/cases/{case_id}/suggestions").get_data(as_text=True)
        script = panel.split('data-testid="kb-script"', 1)[1].split("</details>", 1)[0]
        assert "<h2>开场白</h2>" in script, name  # the script's own Markdown still renders
        assert "<a " not in script and "<strong>" not in script, name
        assert "<img" not in script and "<code>" not in script, name
        assert "<h1>" not in script, name
        escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"您好{escaped}，我是刘洋。" in script, (number, name, script)


def test_the_log_form_shows_the_category_s_script_filled_from_the_customer(
    app, client, login_as
) -> None:
    agent = login_as("agent", display_name="刘洋")
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        make_article(
            actor=boss,
            title="投诉话术",
            body="## 安抚\n{customer_name}您好，我是{agent_name}，案件{case_number}。",
            category="complaint",
            kind="script",
        )
        make_article(
            actor=boss, title="咨询话术草稿", category="inquiry", kind="script", published=False
        )
        customer_id = make_customer(actor=agent, name="**王芳**").id
        db.session.commit()
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert f'hx-get="/knowledge/customers/{customer_id}/script"' in page
    assert 'id="category"' in page  # what the loader includes and listens to
    url = f"/knowledge/customers/{customer_id}/script"
    script = client.get(f"{url}?category=complaint").get_data(as_text=True)
    assert "<h2>安抚</h2>" in script
    # No case on the customer page: {case_number} stays for the agent to say.
    assert "**王芳**您好，我是刘洋，案件{case_number}。" in script
    assert "<strong>" not in script
    for category in ("inquiry", "callback", "<b>"):  # a draft, no script, nonsense
        answer = client.get(f"{url}?category={category}")
        assert answer.status_code == 200 and "log-script" not in answer.get_data(as_text=True)
    assert client.get("/knowledge/customers/999999/script?category=complaint").status_code == 404


def test_a_placeholder_in_a_link_or_title_never_becomes_a_customer_link() -> None:
    """An author who puts a placeholder where a URL or an attribute goes gets no link the
    customer's value controls: destinations keep the placeholder percent-encoded and the fill is
    sanitised again, so even a parser change that left braces raw could not let one through."""
    from crm.knowledge.render import render_filled

    body = (
        "[链接]({customer_name}) [尖括号](<{customer_name}>) ![图]({customer_name})\n\n"
        '[标题](https://example.cn "{case_number}") <{customer_name}>\n\n'
        "[引用]\n\n[引用]: {customer_name}"
    )
    values = {
        "customer_name": "javascript:alert(1)",
        "case_number": '" onmouseover="alert(2)',
    }
    html = str(render_filled(body, values))
    links = lxml.html.fragment_fromstring(html, create_parent="div").iter("a", "img")
    attributes = [dict(element.attrib) for element in links]
    assert all(not a.get("href", "").startswith("javascript") for a in attributes), html
    assert all(set(a) <= {"href", "title", "rel"} for a in attributes), html
    assert {"href": "https://example.cn", "title": values["case_number"]} in [
        {k: v for k, v in a.items() if k != "rel"} for a in attributes
    ], html  # the value sits in the title as text
    assert "&lt;javascript:alert(1)&gt;" in html, html


def test_filling_keeps_only_sanitised_markup_even_from_raw_braces() -> None:
    """The fill runs through the same sanitiser as the article: were a placeholder ever to sit in
    a raw attribute, the markup that comes out is still only what nh3 allows."""
    from crm.knowledge.render import sanitise

    assert (
        sanitise('<a href="javascript:alert(1)">x</a>')
        == '<a rel="noopener noreferrer nofollow">x</a>'
    )
