"""The API's one error body: the error to raise in an operation, and the response it becomes."""

from __future__ import annotations

from flask import Response, jsonify
from pydantic import BaseModel

from crm.core.limits import body_over_limit

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "error")
        self.message = message
        self.fields = fields or {}


class ErrorDetail(BaseModel):
    code: str
    message: str
    #: field name -> what is wrong with it
    fields: dict[str, str]


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(
    status: int, message: str, code: str | None = None, fields: dict[str, str] | None = None
) -> Response:
    body = {
        "error": {
            "code": code or ERROR_CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }
    response = jsonify(body)
    response.status_code = status
    return response


def too_large_response() -> Response:
    limit = body_over_limit()
    if limit is None:
        return error_response(413, "A form field is too long or there are too many fields.")
    return error_response(413, f"The request body is larger than the {limit} allowed.")
