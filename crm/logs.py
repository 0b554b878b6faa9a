"""The app's log lines: each names the request it belongs to, as text or as JSON.

Every request gets an id: the one nginx sends (``X-Request-Id``, also in nginx's access log) when
it looks like one, else a new one. It is sent back in the response's ``X-Request-Id`` (gunicorn's
access log shows it from there) and carried by every line the app logs during the request, so
one request can be followed through nginx, gunicorn and the app. ``CRM_LOG_FORMAT=json`` writes
one JSON object per line for a log collector.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from flask.logging import wsgi_errors_stream

#: an id from the proxy is kept only in this shape (nginx's is 32 hex digits): anything else
#: could forge or break log lines
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(name)s request=%(request_id)s: %(message)s"


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _assign_request_id() -> None:
    offered = request.headers.get("X-Request-Id", "")
    g.request_id = offered if _ACCEPTED_ID.fullmatch(offered) else uuid.uuid4().hex


def _send_request_id(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id") or ""
    return response


def register_logging(app: Flask) -> None:
    """Give each request its id, and the app's logger one handler in the configured format.

    The logger is the process's ``crm`` logger, shared by every app built in it (the tests
    build many): its handlers are replaced, not added to, so lines are never written twice.
    """
    app.before_request(_assign_request_id)
    app.after_request(_send_request_id)
    # The stream of the request's server (gunicorn's error log) or stderr, looked up per line.
    handler = logging.StreamHandler(wsgi_errors_stream)  # type: ignore[arg-type]
    handler.addFilter(RequestIdFilter())
    json_lines = app.config["LOG_FORMAT"] == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    app.logger.handlers = [handler]
