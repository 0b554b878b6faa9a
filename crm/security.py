"""Cross-cutting protections: password hashing, security headers with a CSP nonce, and safe
redirects."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, abort, current_app, g, request

# OWASP's argon2id configuration (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's 64 MiB
# default: rated as strong by the cheat sheet, and a sign-in no longer adds 64 MB to a worker's
# memory. Hashes made with other parameters are redone at the next sign-in.
_PRODUCTION_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Tests check behaviour, not cost; the cheap parameters keep the suite fast.
_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _TEST_HASHER if current_app.config.get("ARGON2_FAST") else _PRODUCTION_HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password for a new or reset account: 16 characters, about 96 bits."""
    return secrets.token_urlsafe(12)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site may follow a login; anything naming another host is refused."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _content_security_policy(csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # A page whose address is its key (the status page) asks for no referrer at all.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "Cache-Control" not in response.headers:
        # Pages, API answers and downloads carry personal data: no shared, back-button or disk
        # cache may keep them. Only a response that chose its own policy keeps it: the static
        # files (crm/core/assets.py), which hold no one's data.
        response.headers["Cache-Control"] = "no-store"
    return response


def refuse_nul_characters() -> None:
    """No text anyone types contains NUL; PostgreSQL refuses it outright, so a request carrying
    one (in the path, such as a survey link's token, the query or the form) is answered 400
    before it reaches any view."""
    values = [request.path, *request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def register_security(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
