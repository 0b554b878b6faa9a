"""Bounded requests (issue 19, finding 5): a body over the upload limit is refused on its declared
length before it is read, with a page (or JSON body) that names the limit, and the app answers
the next request; form fields are capped in memory."""

from __future__ import annotations

import io

from config import Config
from crm.api.tokens import create_token
from crm.database import utcnow
from tests.conftest import csrf_token
from tests.factories import make_user

MB = 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of ``size`` bytes made on demand, which counts what the app reads."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset if whence == io.SEEK_SET else self.size + offset
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"0" * count
        self.position += count
        self.read_bytes += count
        return count


def test_a_200_mb_upload_is_refused_before_it_is_read_and_the_app_answers_on(
    client, login_as
) -> None:
    login_as("supervisor")
    token = csrf_token(client, "/customers/import/")
    body = CountingBody(200 * MB)
    response = client.post(
        "/customers/import/",
        input_stream=body,
        content_type="multipart/form-data; boundary=x",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "上传的内容超过了允许的 50 MB" in page  # the limit, in the user's language
    assert body.read_bytes == 0  # refused on its declared length, not after reading it
    assert client.get("/customers/import/").status_code == 200


def test_the_api_refuses_a_large_body_with_a_json_413(app, client) -> None:
    with app.app_context():
        boss = make_user(roles=["supervisor"])
        _token, raw = create_token(actor=boss, name="导入", now=utcnow())
    body = CountingBody(200 * MB)
    response = client.post(
        "/api/v1/customers",
        input_stream=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    assert "50 MB" in response.json["error"]["message"]
    assert body.read_bytes == 0


def test_the_upload_limit_and_the_import_limits_come_from_crm_variables() -> None:
    config = Config.from_env(
        {
            "CRM_MAX_UPLOAD_MB": "10",
            "CRM_IMPORT_MAX_ROWS": "5000",
            "CRM_IMPORT_MAX_CELL_CHARS": "1000",
            "CRM_IMPORT_MAX_UNZIPPED_MB": "64",
        }
    )
    assert config.MAX_CONTENT_LENGTH == 10 * MB
    assert (config.IMPORT_MAX_ROWS, config.IMPORT_MAX_CELL_CHARS) == (5000, 1000)
    assert config.IMPORT_MAX_UNZIPPED_BYTES == 64 * MB
    assert Config().MAX_CONTENT_LENGTH == 50 * MB
    assert Config().MAX_FORM_MEMORY_SIZE <= MB


def test_a_form_field_too_large_for_memory_is_refused(client, login_as) -> None:
    login_as("supervisor")
    token = csrf_token(client, "/customers/import/")
    parts = [("csrf_token", token), ("note", "备" * MB)]  # 3 MB in one text field
    body = "".join(
        f'--x\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    )
    response = client.post(
        "/customers/import/",
        input_stream=io.BytesIO(f"{body}--x--\r\n".encode()),
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
    assert "表单中的某一项内容过长" in response.get_data(as_text=True)
