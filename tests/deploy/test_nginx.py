"""The shipped nginx site in front of the shipped gunicorn settings, both real, on loopback:
nginx serves the static files (cached, compressed) and refuses oversized uploads itself, pages
arrive compressed, plain HTTP redirects, and the app sees the client nginx saw, whatever the
client claims in its own X-Forwarded-For."""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from crm.auth.models import LoginAttempt
from crm.extensions import db
from tests.deploy.servers import NGINX, ROOT, start_gunicorn, start_nginx, stop
from tests.factories import make_user

pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason=f"{NGINX} is missing: `make test` installs Debian's nginx"
)

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
APP_CSS = re.compile(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"')


class Site:
    def __init__(self, folder: Path, http_port: int, https_port: int) -> None:
        self.folder = folder
        self.http = f"http://127.0.0.1:{http_port}"
        self.https = f"https://127.0.0.1:{https_port}"
        self.https_port = https_port
        self.session = requests.Session()
        # the test's certificate, not the environment's CA bundle or proxies
        self.session.trust_env = False
        self.session.verify = str(folder / "cert.pem")
        # gzip only, so that a compressed answer is gzip and not the app's brotli
        self.session.headers["Accept-Encoding"] = "gzip"

    def app_log(self) -> str:
        return (self.folder / "gunicorn.log").read_text()


@pytest.fixture
def site(app, database_url: str) -> Iterator[Site]:
    with app.app_context():
        make_user(username="wangfang", roles=["agent"])
        db.session.commit()
    folder = Path(tempfile.mkdtemp(prefix="crm-nginx-"))
    app_port, gunicorn = start_gunicorn(database_url, folder, CRM_LOGIN_MAX_FAILURES="2")
    try:
        http_port, https_port, nginx = start_nginx(folder, upstream=app_port)
        try:
            yield Site(folder, http_port, https_port)
        finally:
            stop(nginx)
    finally:
        stop(gunicorn)
        shutil.rmtree(folder, ignore_errors=True)


def test_static_files_come_from_nginx_cached_and_compressed(site: Site) -> None:
    page = site.session.get(f"{site.https}/login")
    stylesheet = APP_CSS.search(page.text).group(1)

    asset = site.session.get(f"{site.https}{stylesheet}")
    assert asset.status_code == 200
    assert asset.headers["Content-Type"] == "text/css"
    assert asset.headers["Content-Encoding"] == "gzip"
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.headers["X-Content-Type-Options"] == "nosniff"
    plain = site.session.get(f"{site.https}/static/css/app.css")
    assert plain.headers["Cache-Control"] == "no-cache"
    assert plain.content == asset.content
    # a file without an extension gets the hash at the end of its name
    licence = ROOT / "crm" / "static" / "vendor" / "htmx" / "LICENSE"
    digest = hashlib.sha256(licence.read_bytes()).hexdigest()[:12]
    named = site.session.get(f"{site.https}/static/vendor/htmx/LICENSE.{digest}")
    assert named.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert named.content == licence.read_bytes()
    # nginx answered both: the app never saw a request for a static file
    assert "/static/" not in site.app_log()
    assert "GET /login" in site.app_log()


def test_pages_are_compressed_and_plain_http_redirects(site: Site) -> None:
    page = site.session.get(f"{site.https}/login")
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    assert "csrf_token" in page.text

    redirect = site.session.get(f"{site.http}/login?next=/cases", allow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://127.0.0.1/login?next=/cases"


def test_throttling_sees_the_client_nginx_saw_not_the_address_it_claims(app, site: Site) -> None:
    def sign_in(claimed_address: str) -> requests.Response:
        page = site.session.get(f"{site.https}/login")
        return site.session.post(
            f"{site.https}/login",
            data={
                "csrf_token": CSRF_INPUT.search(page.text).group(1),
                "username": "wangfang",
                "password": "wrong password",
            },
            # A browser on port 443 names the host without a port, as nginx's $host does.
            headers={"X-Forwarded-For": claimed_address, "Referer": "https://127.0.0.1/login"},
        )

    # Two failures allowed per account and client (CRM_LOGIN_MAX_FAILURES=2): were the claimed
    # addresses believed, each would be a new client with a clean slate.
    assert sign_in("203.0.113.1").status_code == 401
    assert sign_in("203.0.113.2").status_code == 401
    throttled = sign_in("203.0.113.3")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginAttempt.address)))
    assert addresses == {"127.0.0.1"}
    # One request id per request, in nginx's access log and the app's
    request_id = re.search(r"POST /login HTTP/1.1\" 401 .* id=([0-9a-f]{32})", site.app_log())
    nginx_log = (site.folder / "crm.access.log").read_text()
    assert '"POST /login HTTP/1.1" 401 ' in nginx_log
    assert f"id={request_id.group(1)}" in nginx_log


def test_an_upload_over_the_limit_is_refused_by_nginx(site: Site) -> None:
    context = ssl.create_default_context(cafile=str(site.folder / "cert.pem"))
    connection = http.client.HTTPSConnection("127.0.0.1", site.https_port, context=context)
    # Declared, not sent: nginx refuses on the length alone, before reading the body.
    connection.putrequest("POST", "/login")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(50 * 1024 * 1024 + 1))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert b"nginx" in response.read()
    connection.close()
    assert "POST /login" not in site.app_log()
