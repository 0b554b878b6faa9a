"""Articles linked to quality and training: a criterion's standard on the review, a topic's
material, and the reading a failed criterion's training assignment points to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.auth.models import User
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.knowledge.support import make_article
from tests.qa.support import failed_courtesy_review

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def loop(app) -> dict[str, int]:
    """A submitted review whose courtesy score (50 %) assigns the topic 服务意识 to agent.a.
    Returned outside the application context: requests made inside it would share its ``g``."""
    with app.app_context():
        return failed_courtesy_review(NOW)


def test_a_criterion_s_article_shows_on_the_review_the_record_and_the_topic(
    app,
    client,
    loop,
) -> None:
    with app.app_context():
        boss = db.session.get(User, loop["boss"])
        article_id = make_article(actor=boss, title="礼貌用语标准", category="complaint").id
        other_id = make_article(actor=boss, title="无关文章").id
        draft_id = make_article(actor=boss, title="草稿标准", published=False).id
        db.session.commit()
    login(client, "boss")
    token = csrf_token(client, f"/knowledge/{article_id}")
    for linked in (article_id, draft_id):
        answer = client.post(
            f"/knowledge/{linked}/links",
            data={
                "csrf_token": token,
                "criteria": ["courtesy", "nonsense"],
                "topics": loop["topic"],
            },
        )
        assert answer.status_code == 302, linked
    page = client.get(f"/knowledge/{article_id}").get_data(as_text=True)
    links = page.split('data-testid="kb-links"', 1)[1]
    assert "courtesy" in links and "服务意识" in links and "nonsense" not in links

    client = app.test_client()
    login(client, "agent.a")  # the agent reads the result, then the record
    review = client.get(f"/qa/reviews/{loop['review']}").get_data(as_text=True)
    assert 'data-testid="qa-standard"' in review and "礼貌用语标准" in review
    assert "草稿标准" not in review and "无关文章" not in review
    record = client.get("/training/me").get_data(as_text=True)
    reading = record.split('data-testid="assigned-reading"', 1)[1]
    assert "礼貌用语标准" in reading and "草稿标准" not in reading
    assert f"/knowledge/{other_id}" not in reading

    client = app.test_client()
    login(client, "trainer.wang")
    topics = client.get("/training/topics").get_data(as_text=True)
    assert "礼貌用语标准" in topics.split('data-testid="topic-material"', 1)[1]


def test_only_editors_link_articles(app, client, loop) -> None:
    with app.app_context():
        article_id = make_article(actor=db.session.get(User, loop["boss"])).id
        db.session.commit()
    login(client, "agent.a")
    token = csrf_token(client, "/")
    answer = client.post(
        f"/knowledge/{article_id}/links", data={"csrf_token": token, "criteria": "courtesy"}
    )
    assert answer.status_code == 403
