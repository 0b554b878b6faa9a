"""The API's plumbing: bearer-token authentication, request validation with pydantic, the
error handlers, and the registry of operations the OpenAPI description is generated from (so
the description cannot drift from the code). The error body: ``errors.py``; idempotent creates:
``idempotency.py``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from crm.api.errors import ApiError, error_response, too_large_response
from crm.api.idempotency import idempotency_key, replay, request_fingerprint
from crm.api.models import IdempotentResponse
from crm.api.tokens import user_for_token
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.core.ids import MAX_ID
from crm.database import utcnow
from crm.errors import DomainError, PermissionDenied
from crm.extensions import csrf, db
from crm.i18n import force_locale

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Tokens, not cookies, authenticate the API, so a cross-site form cannot act through it.
csrf.exempt(bp)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    db.session.rollback()
    response = error_response(error.status, error.message, error.code, error.fields)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="crm"'
    return response


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    db.session.rollback()
    if isinstance(error, PermissionDenied):
        return error_response(403, _english(error.message))
    fields = {error.field: _english(error.message)} if error.field else {}
    return error_response(422, _english(error.message), fields=fields)


def http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (404 from a fetch-and-authorize helper, 405, 413) as the API's body."""
    db.session.rollback()
    code = error.code or 500
    if code == 413:
        return too_large_response()
    return error_response(code, error.name)


bp.register_error_handler(HTTPException, http_error)


def _english(message: object) -> str:
    """API messages are for the integrator's logs: always in English."""
    with force_locale("en"):
        return str(message)


@dataclass
class Operation:
    method: str
    path: str
    endpoint: str
    summary: str
    tag: str
    permission: Permission | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    idempotent: bool
    #: statuses the operation can answer besides its success and the common ones
    errors: tuple[int, ...]
    #: other success statuses, with the same body (e.g. 200 for a repeated event whose first
    #: delivery answered 201); the view then returns ``(body, status)``
    also: tuple[int, ...] = ()

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


#: every operation, in the order declared: the OpenAPI description is built from this
OPERATIONS: list[Operation] = []


def _authenticate() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiError(401, "Send a personal API token as: Authorization: Bearer <token>.")
    user = user_for_token(raw.strip(), utcnow())
    if user is None:
        raise ApiError(401, "This token is unknown or revoked, or its user is deactivated.")
    # Its own transaction: the token's use is kept even when the request then fails.
    db.session.commit()
    return user


def _fields_of(error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or "body"
        fields.setdefault(name, problem["msg"])
    return fields


def _parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as error:
        raise ApiError(422, "Invalid query parameters.", fields=_fields_of(error)) from None


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _parse_body(model: type[BaseModel]) -> BaseModel:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # [[[[…]]]] nested past Python's recursion limit
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object (Content-Type: application/json).")
    if _has_nul(data):
        raise ApiError(422, "Text may not contain NUL characters.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, "Invalid body.", fields=_fields_of(error)) from None


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    permission: Permission | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    idempotent: bool = False,
    errors: tuple[int, ...] = (),
    also: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare an API operation. The view receives the user, the path ids and the parsed
    ``query``/``body``, returns a ``response`` instance, and never commits: the operation
    commits once the view has succeeded (and keeps the response for idempotent retries)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Response]:
        spec = Operation(
            method,
            path,
            func.__name__,
            summary,
            tag,
            permission,
            query,
            body,
            response,
            status,
            idempotent,
            errors,
            also,
        )
        OPERATIONS.append(spec)

        @wraps(func)
        def view(**ids: int) -> Response:
            user = _authenticate()
            if permission is not None and not user.can(permission):
                raise ApiError(403, "The token's user lacks the permission this needs.")
            if any(not 1 <= value <= MAX_ID for value in ids.values()):
                raise ApiError(404, "Not found.")
            key = idempotency_key() if idempotent else None
            fingerprint = request_fingerprint() if key else ""
            if key and (replayed := replay(user, key, fingerprint)):
                return replayed
            kwargs: dict[str, Any] = dict(ids)
            if query is not None:
                kwargs["query"] = _parse_query(query)
            if body is not None:
                kwargs["body"] = _parse_body(body)
            result = func(user, **kwargs)
            answered = status
            if also:
                result, answered = result
            payload = result.model_dump(mode="json") if result is not None else None
            if key:
                db.session.add(
                    IdempotentResponse(
                        user_id=user.id,
                        key=key,
                        fingerprint=fingerprint,
                        status=answered,
                        body=payload,
                    )
                )
            if method != "GET":
                try:
                    db.session.commit()
                except IntegrityError:
                    # A concurrent retry with the same key won the race: answer as it did.
                    db.session.rollback()
                    if key and (replayed := replay(user, key, fingerprint)):
                        return replayed
                    raise
            if payload is None:
                return Response(status=answered)
            answer = jsonify(payload)
            answer.status_code = answered
            return answer

        rule = re.sub(r"\{(\w+)\}", r"<int:\1>", path)
        bp.add_url_rule(rule, endpoint=func.__name__, view_func=view, methods=[method])
        return view

    return decorate
