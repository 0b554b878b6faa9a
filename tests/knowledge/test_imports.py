"""Markdown files into drafts: the title from the first heading or the file name, UTF-8 or
GB18030, the rest refused with a reason; nothing published."""

from __future__ import annotations

import io

from sqlalchemy import select

from crm.extensions import db
from crm.knowledge.models import Article
from tests.conftest import csrf_token


def test_markdown_files_become_drafts(app, client, login_as) -> None:
    login_as("trainer")
    token = csrf_token(client, "/knowledge/import")
    files = [
        (io.BytesIO("# 退款流程\n\n先核对订单。\n".encode("utf-8-sig")), "退款.md"),
        (io.BytesIO("没有标题的正文".encode("gb18030")), "换货说明.txt"),
        (io.BytesIO(b"\x89PNG"), "picture.png"),
        (io.BytesIO(b""), "empty.md"),
    ]
    response = client.post(
        "/knowledge/import",
        data={"csrf_token": token, "category": "after_sales", "files": files},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "picture.png" in page and "empty.md" in page
    with app.app_context():
        drafts = {a.title: a for a in db.session.scalars(select(Article))}
        assert set(drafts) == {"退款流程", "换货说明"}
        assert drafts["退款流程"].body == "先核对订单。"
        assert drafts["换货说明"].body == "没有标题的正文"
        assert {a.status for a in drafts.values()} == {"draft"}
        assert {a.audience for a in drafts.values()} == {"internal"}
