"""Markdown files into drafts: the title from the first heading or the file name, UTF-8 or
GB18030, the rest refused with a reason; nothing published."""

from __future__ import annotations

import io
import zipfile

import docx
from sqlalchemy import select

from crm.extensions import db
from crm.knowledge.imports import DOCX_MAX, import_markdown
from crm.knowledge.models import Article
from tests.conftest import csrf_token
from tests.factories import make_user


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


def _docx() -> bytes:
    document = docx.Document()
    document.add_heading("保修政策", level=1)
    document.add_paragraph("整机保修一年。")
    document.add_heading("范围", level=2)
    document.add_paragraph("压缩机", style="List Bullet")
    document.add_paragraph("电路板", style="List Bullet")
    document.add_paragraph("先登记", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ("部件", "年限", "压缩机|主件", "3"), strict=True):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_documents_become_markdown_drafts_and_bad_ones_are_refused(
    app, client, login_as
) -> None:
    login_as("trainer")
    token = csrf_token(client, "/knowledge/import")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * 25_000_000)
    files = [
        (io.BytesIO(_docx()), "保修.docx"),
        (io.BytesIO(b"not a zip at all"), "broken.docx"),
        (io.BytesIO(bomb.getvalue()), "bomb.docx"),
    ]
    response = client.post(
        "/knowledge/import",
        data={"csrf_token": token, "category": "after_sales", "files": files},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "无法读取该 Word（.docx）文档。" in page
    assert "该 Word 文档解压后过大。" in page
    with app.app_context():
        drafts = list(db.session.scalars(select(Article)))
        assert [a.title for a in drafts] == ["保修政策"]
        assert drafts[0].body == (
            "整机保修一年。\n\n## 范围\n\n- 压缩机\n- 电路板\n1. 先登记\n\n"
            "| 部件 | 年限 |\n| --- | --- |\n| 压缩机\\|主件 | 3 |"
        )
        assert drafts[0].status == "draft"


def test_a_word_document_over_the_limit_is_refused_unread(app) -> None:
    # Through the service: the test client would spool a 5 MB body to a file it never closes.
    with app.app_context():
        trainer = make_user(roles=["trainer"])
        made, refused = import_markdown(
            actor=trainer, files=[("huge.docx", b"0" * (DOCX_MAX + 1))], category="inquiry"
        )
        assert made == [] and [r.filename for r in refused] == ["huge.docx"]
        assert refused[0].reason == "文件太大。"
