"""Articles past their review-by day: flagged to their owner exactly once per review-by day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from crm.extensions import db
from crm.knowledge.stale import notify_stale_articles
from crm.notifications.describe import describe
from crm.notifications.kinds import link
from crm.notifications.models import Notification
from tests.conftest import login
from tests.factories import make_user
from tests.knowledge.support import make_article

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


def _notices() -> list[Notification]:
    return list(
        db.session.scalars(select(Notification).where(Notification.kind == "knowledge.stale"))
    )


def test_the_owner_is_told_once_per_review_date_and_again_for_a_new_one(app) -> None:
    with app.app_context(), app.test_request_context():
        owner = make_user(username="kb.owner", roles=["supervisor"])
        stale = make_article(actor=owner, title="<b>旧</b>退款流程", review_by=date(2026, 12, 1))
        make_article(actor=owner, title="新文章", review_by=date(2026, 12, 3))
        make_article(actor=owner, title="无日期")
        db.session.commit()

        assert notify_stale_articles(NOW) == 1
        db.session.commit()
        assert notify_stale_articles(NOW) == 0
        db.session.commit()
        [notice] = _notices()
        assert (notice.user_id, notice.subject_id) == (owner.id, stale.id)
        assert link(notice) == f"/knowledge/{stale.id}"
        assert "<b>旧</b>退款流程" in describe(notice)

        stale.review_by = date(2026, 12, 2)
        db.session.commit()
        assert notify_stale_articles(NOW) == 1
        assert notify_stale_articles(NOW) == 0
        assert len(_notices()) == 2


def test_the_owner_s_knowledge_page_lists_articles_due_for_review(app, client) -> None:
    with app.app_context():
        owner = make_user(username="kb.owner", roles=["supervisor"])
        other = make_user(username="kb.other", roles=["supervisor"])
        make_article(actor=owner, title="<i>过期</i>文章", review_by=date(2020, 1, 1))
        make_article(actor=other, title="别人的过期文章", review_by=date(2020, 1, 1))
        make_article(actor=owner, title="未来文章", review_by=date(2099, 1, 1))
        db.session.commit()
    login(client, "kb.owner")
    page = client.get("/knowledge/").get_data(as_text=True)
    section = page.split('data-testid="kb-stale"')[1].split("</section>")[0]
    assert "&lt;i&gt;过期&lt;/i&gt;文章" in section
    assert "别人的" not in section and "未来文章" not in section
    other_client = app.test_client()
    login(other_client, "kb.other")
    section = (
        other_client.get("/knowledge/").get_data(as_text=True).split('data-testid="kb-stale"')[1]
    )
    assert "别人的过期文章" in section.split("</section>")[0]
