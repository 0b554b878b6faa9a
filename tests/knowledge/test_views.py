"""The knowledge-base pages over HTTP: search, the editor, versions, approval, /help."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.cases.services import change_status, open_case
from crm.database import utcnow
from crm.errors import DomainError
from crm.extensions import db
from crm.knowledge.models import Article
from crm.knowledge.search import search_articles
from crm.knowledge.services import record_use
from tests.conftest import csrf_token
from tests.factories import make_customer, make_user
from tests.knowledge.support import make_article


def _seed(app) -> dict[str, int]:
    with app.app_context():
        boss = make_user(username="kb.boss", roles=["supervisor"])
        internal = make_article(actor=boss, title="退款流程", body="内部：**核对**订单后退款。")
        public = make_article(
            actor=boss, title="如何办理退款", body="在订单页申请。", audience="public"
        )
        draft = make_article(actor=boss, title="退款草稿", published=False, audience="public")
        db.session.commit()
        return {"internal": internal.id, "public": public.id, "draft": draft.id}


def test_an_agent_searches_and_reads_published_articles_only(app, client, login_as) -> None:
    ids = _seed(app)
    login_as("agent")
    page = client.get("/knowledge/?q=tk").get_data(as_text=True)
    assert "退款流程" in page and "退款草稿" not in page
    page = client.get("/knowledge/?q=退款").get_data(as_text=True)
    assert "<mark>退款</mark>" in page and "退款草稿" not in page
    assert "<strong>核对</strong>" in client.get(f"/knowledge/{ids['internal']}").get_data(
        as_text=True
    )
    assert client.get(f"/knowledge/{ids['draft']}").status_code == 404
    assert client.get(f"/knowledge/{ids['internal']}/edit").status_code == 403


def test_the_help_centre_shows_public_published_articles_without_sign_in(app, client) -> None:
    ids = _seed(app)
    index = client.get("/help/").get_data(as_text=True)
    assert "如何办理退款" in index and "退款流程" not in index and "退款草稿" not in index
    found = client.get("/help/?q=退款").get_data(as_text=True)
    assert "如何办理退款" in found and "退款流程" not in found
    assert client.get(f"/help/{ids['internal']}").status_code == 404
    assert client.get(f"/help/{ids['draft']}").status_code == 404
    token = csrf_token(client)
    assert client.post(f"/help/{ids['public']}/vote", data={"helpful": "yes"}).status_code == 400
    answer = client.post(
        f"/help/{ids['public']}/vote", data={"helpful": "yes", "csrf_token": token}
    )
    assert answer.status_code == 302
    app.config["KB_VOTE_RATE_LIMIT"] = 1
    again = client.post(f"/help/{ids['public']}/vote", data={"helpful": "no", "csrf_token": token})
    assert again.status_code == 429
    with app.app_context():
        article = db.session.get(Article, ids["public"])
        assert (article.helpful_yes, article.helpful_no) == (1, 0)


def test_a_trainer_writes_a_supervisor_publishes_and_a_version_is_restored(
    app, client, login_as
) -> None:
    login_as("trainer")
    token = csrf_token(client, "/knowledge/new")
    form = {
        "csrf_token": token,
        "title": "投诉安抚话术",
        "category": "complaint",
        "audience": "internal",
        "tags": "投诉, 安抚",
        "body": "先道歉。",
    }
    assert client.post("/knowledge/new", data=form).status_code == 302
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.title == "投诉安抚话术"))
    edit = f"/knowledge/{article_id}/edit"
    assert client.post(edit, data={**form, "body": "先倾听，再道歉。"}).status_code == 302
    diff = client.get(f"/knowledge/{article_id}/versions").get_data(as_text=True)
    assert "先倾听，再道歉。" in diff and "先道歉。" in diff
    client.post(f"/knowledge/{article_id}/submit", data={"csrf_token": token})
    assert (
        client.post(f"/knowledge/{article_id}/publish", data={"csrf_token": token}).status_code
        == 403
    )
    client.post(f"/knowledge/{article_id}/restore", data={"csrf_token": token, "number": 1})
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert (article.version, article.body, article.tags) == (3, "先道歉。", ["投诉", "安抚"])
        assert article.status == "pending"


def test_inserting_a_draft_is_refused_and_a_published_one_is_counted(app, client, login_as) -> None:
    ids = _seed(app)
    agent = login_as("agent")
    with app.app_context():
        customer = make_customer(actor=agent, name="李雷")
        case = open_case(
            actor=agent, customer=customer, subject="退款", category="after_sales", now=utcnow()
        )
        db.session.commit()
        case_id = case.id
    token = csrf_token(client, "/")
    panel = client.get(f"/knowledge/cases/{case_id}/suggestions").get_data(as_text=True)
    assert "退款流程" in panel and "退款草稿" not in panel
    draft = client.post(
        f"/knowledge/cases/{case_id}/insert/{ids['draft']}", data={"csrf_token": token}
    )
    assert draft.status_code == 404
    done = client.post(
        f"/knowledge/cases/{case_id}/insert/{ids['internal']}",
        data={"csrf_token": token, "body": "您好"},
    )
    assert "您好\n\n内部：**核对**订单后退款。" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, ids["internal"]).use_count == 1


def test_the_case_panel_shows_the_category_s_call_script_filled_in(app, client, login_as) -> None:
    agent = login_as("agent", display_name="刘洋")
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        make_article(
            actor=boss,
            title="售后话术",
            body="## 开场白\n您好{customer_name}，我是{agent_name}。",
            kind="script",
        )
        customer = make_customer(actor=agent, name="<b>李雷</b>")
        case = open_case(
            actor=agent, customer=customer, subject="换货", category="after_sales", now=utcnow()
        )
        db.session.commit()
        case_id = case.id
    panel = client.get(f"/knowledge/cases/{case_id}/suggestions").get_data(as_text=True)
    assert "<h2>开场白</h2>" in panel
    assert "您好&lt;b&gt;李雷&lt;/b&gt;，我是刘洋。" in panel
    assert 'data-testid="kb-suggestion"' not in panel  # a script is not an article suggestion
    with app.app_context():
        try:
            make_article(
                actor=make_user(roles=["supervisor"]),
                title="公开话术",
                kind="script",
                audience="public",
            )
        except DomainError as error:
            assert error.field == "audience"
        else:
            raise AssertionError("a public call script was accepted")


def test_figures_list_uses_resolved_cases_and_articles_to_fix(app, client, login_as) -> None:
    login_as("supervisor")
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        used = make_article(actor=boss, title="常用文章")
        stale = make_article(actor=boss, title="过期文章", review_by=date(2020, 1, 1))
        customer = make_customer(actor=boss, name="韩梅梅")
        case = open_case(
            actor=boss, customer=customer, subject="退款", category="after_sales", now=utcnow()
        )
        record_use(actor=boss, article=used, case_id=case.id)
        change_status(actor=boss, case=case, status="resolved", now=utcnow())
        search_articles("没有这篇", public=True)
        db.session.commit()
        stale_id = stale.id
    page = client.get("/knowledge/analytics").get_data(as_text=True)
    row = page.split("常用文章</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>1</td><td>1</td>" in row  # one use, one resolved case
    fix = page.split('data-testid="kb-fix"', 1)[1].split("</ul>", 1)[0]
    assert "过期文章" in fix and "常用文章" not in fix
    assert "没有这篇" in page
    assert 'data-testid="kb-stale"' in client.get(f"/knowledge/{stale_id}").get_data(as_text=True)


def test_the_customer_page_and_the_callbacks_have_the_search_box(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="王芳").id
        db.session.commit()
    for path in (f"/customers/{customer_id}", "/callbacks/"):
        page = client.get(path).get_data(as_text=True)
        assert 'data-testid="kb-search-box"' in page, path
        assert 'action="/knowledge/"' in page, path
