"""The contact form's suggestions and what they deflect; views counted by a POST (a GET never
writes)."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.knowledge.models import Article, ContactSuggestionEvent
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.knowledge.support import make_article


def _articles(app) -> dict[str, int]:
    with app.app_context():
        boss = make_user(username="kb.boss", roles=["supervisor"])
        public = make_article(
            actor=boss, title="如何办理退款", audience="public", category="after_sales"
        )
        internal = make_article(actor=boss, title="退款内部审批", category="after_sales")
        draft = make_article(actor=boss, title="退款草稿", audience="public", published=False)
        db.session.commit()
        return {"public": public.id, "internal": internal.id, "draft": draft.id}


def test_the_contact_form_suggests_public_articles_only(app, client) -> None:
    ids = _articles(app)
    page = client.get("/contact").get_data(as_text=True)
    assert 'hx-get="/help/suggest"' in page and "htmx.min" in page
    found = client.get("/help/suggest?message=我想办理退款，怎么操作&category=after_sales")
    text = found.get_data(as_text=True)
    assert found.status_code == 200
    assert f"/help/{ids['public']}?from=contact" in text
    assert "退款内部审批" not in text and "退款草稿" not in text
    assert 'data-testid="contact-suggestions"' not in client.get(
        "/help/suggest?message=你好"
    ).get_data(as_text=True)


def test_opening_a_suggestion_and_saying_it_solved_the_problem_is_a_deflection(
    app, client, login_as
) -> None:
    ids = _articles(app)
    article = client.get(f"/help/{ids['public']}?from=contact").get_data(as_text=True)
    assert 'data-testid="contact-solved"' in article
    assert 'data-testid="contact-solved"' not in client.get(f"/help/{ids['public']}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Article, ids["public"]).view_count == 0  # the GETs wrote nothing
    token = csrf_token(client)
    assert client.post(f"/help/{ids['public']}/viewed", data={"from": "contact"}).status_code == 400
    viewed = client.post(
        f"/help/{ids['public']}/viewed", data={"from": "contact", "csrf_token": token}
    )
    assert viewed.status_code == 204
    assert (
        client.post(f"/help/{ids['internal']}/solved", data={"csrf_token": token}).status_code
        == 404
    )
    solved = client.post(f"/help/{ids['public']}/solved", data={"csrf_token": token})
    assert solved.status_code == 302
    with app.app_context():
        assert db.session.get(Article, ids["public"]).view_count == 1
        events = db.session.scalars(select(ContactSuggestionEvent.event)).all()
        assert sorted(events) == ["opened", "solved"]
    login_as("supervisor")
    token = csrf_token(client, "/")
    staff = client.post(f"/knowledge/{ids['internal']}/viewed", data={"csrf_token": token})
    assert staff.status_code == 204
    figures = client.get("/knowledge/analytics").get_data(as_text=True)
    assert 'data-testid="kb-deflected">1</dd>' in figures
    with app.app_context():
        assert db.session.get(Article, ids["internal"]).view_count == 1
