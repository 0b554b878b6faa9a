"""Every request has an id, in its response and in each line the app logs while serving it."""

from __future__ import annotations

import io
import json
import re

import pytest

from config import Config, ConfigError
from tests.conftest import build_app, dispose


def test_a_request_gets_an_id_or_keeps_the_proxys(client) -> None:
    made = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["X-Request-Id"] != made

    from_nginx = "5f0c8e1d2b3a49f6a7c8d9e0f1a2b3c4"
    kept = client.get("/healthz", headers={"X-Request-Id": from_nginx})
    assert kept.headers["X-Request-Id"] == from_nginx
    # an id that could break or forge a log line is replaced
    for offered in ("x", "a" * 65, "abcdefgh request=forged", "abcdefgh\u2028next"):
        replaced = client.get("/healthz", headers={"X-Request-Id": offered})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_log_lines_carry_the_request_id(database_url: str, log_format: str) -> None:
    app = build_app(database_url, LOG_FORMAT=log_format)
    stream = io.StringIO()
    headers = {"X-Request-Id": "0123456789abcdef"}
    with app.test_request_context(headers=headers, errors_stream=stream):
        app.preprocess_request()
        app.logger.warning("客户 %s 的导入失败", "张三")
    dispose(app)
    line = stream.getvalue().strip()
    if log_format == "text":
        assert line.endswith("WARNING crm request=0123456789abcdef: 客户 张三 的导入失败")
    else:
        entry = json.loads(line)
        assert entry["request_id"] == "0123456789abcdef"
        assert entry["message"] == "客户 张三 的导入失败"
        assert entry["level"] == "WARNING"


def test_log_format_is_text_or_json() -> None:
    assert Config.from_env({"CRM_LOG_FORMAT": "json"}).LOG_FORMAT == "json"
    with pytest.raises(ConfigError, match="CRM_LOG_FORMAT must be text or json"):
        Config.from_env({"CRM_LOG_FORMAT": "xml"})
