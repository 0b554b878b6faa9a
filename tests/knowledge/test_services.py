"""The knowledge base's rules, called directly: rendering, versions, approval, search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.knowledge import history, services
from crm.knowledge.models import ArticleStatus, SearchGap
from crm.knowledge.render import render_markdown
from crm.knowledge.search import search_articles
from tests.factories import make_user
from tests.knowledge.support import make_article

HOSTILE = """# 标题
<script>alert(1)</script>
<img src=x onerror=alert(2)>
[点我](javascript:alert(3)) [邮件](mailto:a@example.cn) [网站](https://example.cn)
<a href="https://example.cn" onclick="alert(4)">raw</a>
[data](data:text/html;base64,PHNjcmlwdD4=) ![img](https://example.cn/x.png)
"""


def test_markdown_renders_inert() -> None:
    html = str(render_markdown(HOSTILE))
    assert "<script" not in html and "onerror=" not in html.replace("onerror=alert(2)&gt;", "")
    assert "<img" not in html and "onclick" not in html.replace('onclick="alert(4)"', "")
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert "&lt;script&gt;" in html  # typed HTML is text
    assert 'href="mailto:a@example.cn"' in html and 'href="https://example.cn"' in html
    assert "<h1>标题</h1>" in html
    # No tag the parser emitted carries an event handler.
    assert " on" not in "".join(part.split(">")[0] for part in html.split("<")[1:])


def test_every_save_is_a_version_and_restore_gives_exactly_the_old_text(ctx) -> None:
    editor = make_user(roles=["supervisor"])
    old_body = "第一行\n\n  缩进的第二行  \n\n最后一行"
    article = make_article(actor=editor, body=old_body, tags=["退款"])
    text = services.ArticleText("退款流程（新）", "全新的内容", "after_sales", "public")
    services.save_article(actor=editor, article=article, text=text)
    assert article.version == 2
    lines = history.diff(*reversed(history.versions(article)))
    assert ("+", "全新的内容") in [(line.kind, line.text) for line in lines]
    assert ("-", "最后一行") in [(line.kind, line.text) for line in lines]
    services.restore_version(actor=editor, article=article, number=1)
    assert article.version == 3
    assert (article.title, article.body, article.audience) == ("退款流程", old_body, "internal")
    assert article.tags == ["退款"]
    assert history.version_of(article, 3).body == old_body


def test_publishing_needs_a_supervisor_and_an_edit_by_others_waits_for_approval(ctx) -> None:
    trainer = make_user(roles=["trainer"])
    boss = make_user(roles=["supervisor"])
    article = make_article(actor=trainer, published=False)
    with pytest.raises(PermissionDenied):
        services.publish(actor=trainer, article=article)
    services.submit_for_approval(actor=trainer, article=article)
    assert article.status == ArticleStatus.PENDING
    services.publish(actor=boss, article=article)
    assert article.status == ArticleStatus.PUBLISHED
    text = services.ArticleText("退款流程", "改过", "after_sales", "internal")
    services.save_article(actor=trainer, article=article, text=text)
    assert article.status == ArticleStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.save_article(actor=make_user(roles=["agent"]), article=None, text=text)
    with pytest.raises(DomainError):
        services.save_article(
            actor=boss, article=None, text=services.ArticleText(" ", "x", "complaint", "public")
        )


def _titles(query: str, *, public: bool = False) -> list[str]:
    return [hit.article.title for hit in search_articles(query, public=public)]


def test_chinese_search_finds_substrings_pinyin_and_initials(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    make_article(actor=boss, title="退款流程", body="核对订单后提交。")
    make_article(actor=boss, title="发票说明", body="如需办理退款，请先开具红字发票。")
    make_article(actor=boss, title="安装指南", body="按说明书安装。")
    make_article(actor=boss, title="退款草稿", published=False)
    assert _titles("退款") == ["退款流程", "发票说明"]  # the title match first
    assert _titles("办理退款") == ["发票说明"]
    assert _titles("退款流程") == ["退款流程"]
    assert _titles("tuikuan") == ["退款流程"]
    assert _titles("tk") == ["退款流程"]
    assert _titles("tuikuanliucheng") == ["退款流程"]
    hit = search_articles("红字", public=False)[0]
    assert "<mark>红字</mark>" in str(hit.snippet)


def test_internal_articles_never_appear_in_the_public_search(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    make_article(actor=boss, title="退款流程", audience="internal")
    make_article(actor=boss, title="如何申请退款", audience="public")
    assert _titles("退款", public=True) == ["如何申请退款"]
    assert _titles("tk", public=True) == ["如何申请退款"]  # 退款流程 is internal


def test_synonyms_and_gaps(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    make_article(actor=boss, title="退款流程")
    assert _titles("退钱") == []
    assert db.session.scalar(select(func.count(SearchGap.id))) == 1
    services.save_synonyms(actor=boss, lines="退款 退钱 退费\n单独")
    assert _titles("退钱") == ["退款流程"]


def test_snippets_escape_what_the_author_typed(ctx) -> None:
    boss = make_user(roles=["supervisor"])
    make_article(actor=boss, title="标记", body="前面 <b onmouseover=x>退款</b> 后面")
    snippet = str(search_articles("退款", public=False)[0].snippet)
    assert "<b " not in snippet and "&lt;b onmouseover=x" in snippet
    assert "<mark>退款</mark>&lt;/b" in snippet
