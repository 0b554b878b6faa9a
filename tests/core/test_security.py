"""Security headers, error pages that leak nothing, and secure cookies in production."""

from __future__ import annotations

import re

import pytest

from config import ProductionConfig
from tests.conftest import login
from tests.factories import make_user


def test_every_page_carries_the_security_headers(client) -> None:
    response = client.get("/login")
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_the_csp_nonce_is_fresh_per_response_and_on_every_script(client) -> None:
    nonces = set()
    for _ in range(2):
        response = client.get("/login")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        page = response.get_data(as_text=True)
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts
        assert all(f'nonce="{nonce}"' in tag for tag in scripts)
        nonces.add(nonce)
    assert len(nonces) == 2


def test_a_404_page_is_translated_and_plain(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "未找到" in page
    assert "Traceback" not in page


def test_a_server_error_shows_no_internals(app_with) -> None:
    app = app_with(ProductionConfig, SECRET_KEY="s" * 40)

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("secret-internal-detail in /work/crm/views.py")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "出错了" in page
    for leak in ("secret-internal-detail", "Traceback", "RuntimeError", "views.py"):
        assert leak not in page


def test_production_cookies_are_secure_and_strict_transport_is_sent(app_with) -> None:
    app = app_with(ProductionConfig, SECRET_KEY="s" * 40, ARGON2_FAST=True)
    with app.app_context():
        make_user(username="prod.user")
    client = app.test_client()
    response = login(client, "prod.user")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_need_no_login(client, path) -> None:
    assert client.get(path).status_code == 200
