"""The API blueprint with every operation registered, its OpenAPI description and the
readable reference generated from it."""

from __future__ import annotations

from flask import Response, jsonify, render_template, request

from crm.api import calls, customers, work  # noqa: F401 - importing registers their operations
from crm.api.framework import bp
from crm.api.spec import openapi


def _server_url() -> str:
    return request.url_root.rstrip("/") + bp.url_prefix


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi(_server_url()))


@bp.get("/docs")
def reference() -> str:
    return render_template("api/reference.html", spec=openapi(_server_url()))


__all__ = ["bp"]
