"""Pages go out compressed; streamed exports and pre-gzipped assets are left alone; the icon
is found where browsers look for it (issue 22, "small things users notice")."""

from __future__ import annotations

import gzip

import brotli

from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer


def test_a_page_is_sent_with_brotli_or_gzip_as_the_browser_takes_it(client) -> None:
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    html = plain.get_data()
    by_brotli = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert by_brotli.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in by_brotli.headers["Vary"]
    assert b"<html" in brotli.decompress(by_brotli.get_data())
    assert len(by_brotli.get_data()) < len(html) / 2
    by_gzip = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert by_gzip.headers["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(by_gzip.get_data())


def test_a_streamed_csv_export_is_not_compressed(app, client, login_as) -> None:
    supervisor = login_as("supervisor")
    with app.app_context():
        make_customer(actor=supervisor, name="张三", phones=["13900139000"])
        db.session.commit()
    response = client.post(
        "/customers/export",
        data={"format": "csv", "params": "", "csrf_token": csrf_token(client, "/customers/")},
        headers={"Accept-Encoding": "gzip, br"},
    )
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    body = response.get_data()
    assert body.startswith("\ufeff".encode()) and "张三" in body.decode("utf-8-sig")


def test_the_icon_is_linked_and_found_at_the_root(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in page and "favicon" in page
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"
