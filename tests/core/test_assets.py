"""Static files: fingerprinted names in every page, compressed once, cached for a year."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask.testing import FlaskClient

from crm.core.assets import IMMUTABLE, REVALIDATE, build_asset_table

STATIC = Path(__file__).resolve().parents[2] / "crm" / "static"
ASSET_URL = re.compile(r'(?:href|src)="/static/([^"]+)"')


def test_pages_link_fingerprinted_files_that_are_sent_compressed_and_kept_a_year(
    client: FlaskClient,
) -> None:
    linked = ASSET_URL.findall(client.get("/login").get_data(as_text=True))
    assert "vendor/bootstrap/bootstrap.min.css" not in linked
    assert len(linked) >= 4
    for name in linked:
        plain = re.sub(r"\.[0-9a-f]{12}(\.[a-z]+)$", r"\1", name)
        assert plain != name, name
        on_disk = (STATIC / plain).read_bytes()
        zipped = client.get(f"/static/{name}", headers={"Accept-Encoding": "gzip, br"})
        assert zipped.status_code == 200
        assert zipped.headers["Cache-Control"] == IMMUTABLE
        # Text files are gzipped; images (the icons) are compressed already.
        if len(on_disk) >= 1024 and not plain.endswith(".png"):
            assert zipped.headers["Content-Encoding"] == "gzip"
            assert len(zipped.data) < len(on_disk)
            assert gzip.decompress(zipped.data) == on_disk
        plain_bytes = client.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain_bytes.headers
        assert plain_bytes.data == on_disk


def test_a_known_copy_is_not_sent_again(client: FlaskClient) -> None:
    name = ASSET_URL.findall(client.get("/login").get_data(as_text=True))[0]
    first = client.get(f"/static/{name}", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        f"/static/{name}",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.data == b""


def test_plain_names_still_work_but_are_checked_and_wrong_fingerprints_are_not_found(
    client: FlaskClient,
) -> None:
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == REVALIDATE
    assert plain.data == (STATIC / "css/app.css").read_bytes()
    assert client.get("/static/css/app.000000000000.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: black; }\n" * 100)
    before = build_asset_table(tmp_path).names["css/site.css"]
    sheet.write_text("body { color: navy; }\n" * 100)
    after = build_asset_table(tmp_path).names["css/site.css"]
    assert before != after
    assert before.startswith("css/site.") and before.endswith(".css")
