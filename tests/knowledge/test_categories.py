"""The category tree: editors' subcategories under the service categories, shown as a tree on
/knowledge and /help (public branches only there), with breadcrumbs on the article pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.knowledge.categories import (
    add_subcategory,
    delete_subcategory,
    rename_subcategory,
    subcategory_for,
)
from crm.knowledge.models import Article, Subcategory
from crm.knowledge.services import ArticleText, restore_version, save_article
from tests.conftest import csrf_token, login
from tests.factories import make_user
from tests.knowledge.support import make_article

MARKUP = "<script>alert(1)</script>退款"


def test_sibling_names_are_unique_and_a_subcategory_stays_under_its_category(app) -> None:
    with app.app_context():
        editor = make_user(username="kb.editor", roles=["supervisor"])
        refunds = add_subcategory(actor=editor, category="after_sales", name=" 退款  申请 ")
        assert refunds.name == "退款 申请"
        with pytest.raises(DomainError):
            add_subcategory(actor=editor, category="after_sales", name="退款 申请")
        upper = add_subcategory(actor=editor, category="after_sales", name="Invoices")
        with pytest.raises(DomainError):
            add_subcategory(actor=editor, category="after_sales", name=" invoices")
        with pytest.raises(DomainError):
            rename_subcategory(actor=editor, subcategory=upper, name="退款 申请")
        with pytest.raises(DomainError):
            add_subcategory(actor=editor, category="no_such", name="x")
        with pytest.raises(DomainError):
            add_subcategory(actor=editor, category="after_sales", name="x" * 61)
        # The same name under another parent is a different branch.
        add_subcategory(actor=editor, category="complaint", name="退款 申请")
        with pytest.raises(PermissionDenied):
            add_subcategory(
                actor=make_user(username="kb.agent", roles=["agent"]),
                category="inquiry",
                name="y",
            )
        # A subcategory's parent is a service category: one under another category is refused.
        with pytest.raises(DomainError):
            subcategory_for("complaint", refunds.id)
        article = make_article(actor=editor, published=False)
        text = ArticleText(article.title, article.body, "complaint", "internal")
        with pytest.raises(DomainError):
            save_article(actor=editor, article=article, text=text, subcategory=refunds)


def test_restore_keeps_a_fitting_subcategory_and_removal_moves_articles_up(app) -> None:
    with app.app_context():
        editor = make_user(username="kb.editor", roles=["supervisor"])
        refunds = add_subcategory(actor=editor, category="after_sales", name="退款")
        article = make_article(actor=editor, published=False)
        text = ArticleText("退款流程 v2", article.body, "after_sales", "internal")
        save_article(actor=editor, article=article, text=text, subcategory=refunds)
        restore_version(actor=editor, article=article, number=1)
        assert article.subcategory is refunds
        save_article(
            actor=editor, article=article, text=ArticleText("投诉", "正文", "complaint", "internal")
        )
        save_article(actor=editor, article=article, text=text, subcategory=refunds)
        restore_version(actor=editor, article=article, number=4)  # the complaint version
        assert article.category == "complaint" and article.subcategory is None
        save_article(actor=editor, article=article, text=text, subcategory=refunds)
        assert delete_subcategory(actor=editor, subcategory=refunds) == 1
        db.session.commit()
        assert db.session.get(Article, article.id).subcategory_id is None
        assert db.session.scalars(select(Subcategory)).all() == []


def _seed(app) -> dict[str, int]:
    with app.app_context():
        editor = make_user(username="kb.editor", roles=["supervisor"])
        public_sub = add_subcategory(actor=editor, category="after_sales", name=MARKUP)
        internal_sub = add_subcategory(actor=editor, category="after_sales", name="内部子类")
        add_subcategory(actor=editor, category="inquiry", name="空子类")
        public = make_article(actor=editor, title="如何退款", audience="public")
        public.subcategory = public_sub
        internal = make_article(actor=editor, title="内部退款", audience="internal")
        internal.subcategory = internal_sub
        make_article(actor=editor, title="公开草稿", audience="public", published=False)
        db.session.commit()
        return {"public": public.id, "sub": public_sub.id, "internal_sub": internal_sub.id}


def test_the_tree_on_knowledge_and_help_and_the_breadcrumbs(app, client, login_as) -> None:
    ids = _seed(app)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;退款"
    help_page = client.get("/help/").get_data(as_text=True)
    tree = help_page.split('data-testid="help-tree"')[1]
    assert escaped in tree and MARKUP not in help_page
    assert "如何退款" in tree and "内部子类" not in tree and "内部退款" not in tree
    # Categories without a published public article stay out of the public tree.
    assert "空子类" not in tree and 'id="cat-inquiry"' not in tree
    assert 'id="cat-after_sales"' in tree
    crumbs = client.get(f"/help/{ids['public']}").get_data(as_text=True).split("breadcrumb")[1:]
    assert any(escaped in part for part in crumbs)

    login_as("supervisor")
    page = client.get("/knowledge/").get_data(as_text=True)
    staff_tree = page.split('data-testid="kb-tree"')[1].split("</nav>")[0]
    assert escaped in staff_tree and "内部子类" in staff_tree and "空子类" in staff_tree
    listed = client.get(f"/knowledge/?category=after_sales&topic={ids['internal_sub']}")
    assert "内部退款" in listed.get_data(as_text=True)
    assert "如何退款" not in listed.get_data(as_text=True)
    article = client.get(f"/knowledge/{ids['public']}").get_data(as_text=True)
    assert f"topic={ids['sub']}" in article and escaped in article and MARKUP not in article


def test_editors_manage_subcategories_through_the_page(app, client, login_as) -> None:
    ids = _seed(app)
    agent = app.test_client()
    with app.app_context():
        make_user(username="kb.agent", roles=["agent"])
    login(agent, "kb.agent")
    assert agent.get("/knowledge/categories").status_code == 403
    assert agent.post("/knowledge/categories", data={"name": "x"}).status_code in (400, 403)
    login_as("supervisor")
    token = csrf_token(client, "/knowledge/categories")
    added = client.post(
        "/knowledge/categories", data={"category": "inquiry", "name": "发票", "csrf_token": token}
    )
    assert added.status_code == 302
    again = client.post(
        "/knowledge/categories", data={"category": "inquiry", "name": "发票", "csrf_token": token}
    )
    assert again.status_code == 400
    assert "该分类下已有同名子分类" in again.get_data(as_text=True)
    renamed = client.post(
        f"/knowledge/categories/{ids['sub']}/rename", data={"name": "退货", "csrf_token": token}
    )
    assert renamed.status_code == 302
    client.post(f"/knowledge/categories/{ids['internal_sub']}/delete", data={"csrf_token": token})
    with app.app_context():
        names = set(db.session.scalars(select(Subcategory.name)))
    assert names == {"退货", "空子类", "发票"}
    assert (
        client.post("/knowledge/categories/99999/delete", data={"csrf_token": token}).status_code
        == 404
    )
