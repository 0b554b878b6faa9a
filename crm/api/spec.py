"""The OpenAPI 3.1 description, generated from the registered operations and their pydantic
models: adding or changing an endpoint changes the description with it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from crm.api.errors import ErrorBody
from crm.api.framework import OPERATIONS, Operation
from crm.api.idempotency import IDEMPOTENCY_HEADER
from crm.core.ids import MAX_ID

REF = "#/components/schemas/{model}"

ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object, or a parameter holds a NUL character.",
    401: "No token, or an unknown or revoked one.",
    403: "The token's user may not do this.",
    404: "No such object, or not one the token's user may see.",
    409: "A conflict: the Idempotency-Key was used for another request, or the data clashes.",
    422: "A parameter or a field is invalid; `fields` names each.",
}


def _statuses(operation: Operation) -> list[int]:
    statuses = {401, *operation.errors}
    if operation.permission is not None:
        statuses.add(403)
    if operation.path_params:
        statuses.add(404)
    if operation.query is not None or operation.idempotent:
        # 400: a NUL character in a parameter is refused before validation
        statuses |= {400, 422}
    if operation.body is not None:
        statuses |= {400, 422}
    if operation.idempotent:
        statuses.add(409)
    return sorted(statuses)


def _parameters(operation: Operation, query_schema: dict[str, Any] | None) -> list[dict]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in operation.path_params
    ]
    if query_schema is not None:
        required = set(query_schema.get("required", []))
        for name, schema in query_schema["properties"].items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": {k: v for k, v in schema.items() if k != "title"},
                    **({"description": schema["description"]} if "description" in schema else {}),
                }
            )
    if operation.idempotent:
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "A retry with the same key and request returns the first "
                "response instead of creating again.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            }
        )
    return parameters


def _schemas() -> tuple[dict[tuple[type[BaseModel], str], dict], dict[str, Any]]:
    models: set[tuple[type[BaseModel], str]] = {(ErrorBody, "serialization")}
    for operation in OPERATIONS:
        if operation.body is not None:
            models.add((operation.body, "validation"))
        if operation.response is not None:
            models.add((operation.response, "serialization"))
    refs, top = models_json_schema(
        sorted(models, key=lambda pair: (pair[0].__name__, pair[1])), ref_template=REF
    )
    return refs, top.get("$defs", {})


def openapi(server_url: str) -> dict[str, Any]:
    refs, components = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        query_schema = None
        if operation.query is not None:
            query_schema = operation.query.model_json_schema(ref_template=REF)
            components.update(query_schema.pop("$defs", {}))
        responses: dict[str, Any] = {}
        for success in (operation.status, *operation.also):
            if operation.response is not None:
                responses[str(success)] = {
                    "description": "Success.",
                    "content": {
                        "application/json": {"schema": refs[(operation.response, "serialization")]}
                    },
                }
            else:
                responses[str(success)] = {"description": "Success, no body."}
        for status in _statuses(operation):
            responses[str(status)] = {
                "description": ERROR_DESCRIPTIONS.get(status, "Error."),
                "content": {"application/json": {"schema": refs[(ErrorBody, "serialization")]}},
            }
        entry: dict[str, Any] = {
            "operationId": operation.endpoint,
            "summary": operation.summary,
            "tags": [operation.tag],
            "parameters": _parameters(operation, query_schema),
            "responses": responses,
        }
        if operation.permission is not None:
            entry["description"] = f"Needs the permission `{operation.permission.value}`."
            entry["x-permission"] = operation.permission.value
        if operation.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
            }
        paths.setdefault(operation.path, {})[operation.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Service CRM API",
            "version": "1",
            "description": "Personal API tokens (made on the account page) act with their "
            'user\'s permissions. Errors: {"error": {"code", "message", "fields"}}. '
            "Lists page by cursor: pass `next_cursor` back as `cursor`.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
