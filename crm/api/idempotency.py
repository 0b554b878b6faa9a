"""Idempotent creates: a create sent again with the same Idempotency-Key answers as the first
did, without acting twice."""

from __future__ import annotations

import hashlib

from flask import Response, jsonify, request
from sqlalchemy import select

from crm.api.errors import ApiError
from crm.api.models import IdempotentResponse
from crm.auth.models import User
from crm.extensions import db

IDEMPOTENCY_HEADER = "Idempotency-Key"


def request_fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def replay(user: User, key: str, fingerprint: str) -> Response | None:
    kept = db.session.scalar(
        select(IdempotentResponse).where(
            IdempotentResponse.user_id == user.id, IdempotentResponse.key == key
        )
    )
    if kept is None:
        return None
    if kept.fingerprint != fingerprint:
        raise ApiError(
            409,
            "This Idempotency-Key was used for a different request.",
            code="idempotency_key_reused",
            fields={IDEMPOTENCY_HEADER: "used for a different request"},
        )
    response = jsonify(kept.body)
    response.status_code = kept.status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= 100:
        raise ApiError(
            422, "Invalid Idempotency-Key.", fields={IDEMPOTENCY_HEADER: "1 to 100 characters"}
        )
    return key
