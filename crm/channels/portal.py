"""The customer's status page of a case: reached by a secret link (only its SHA-256 is kept),
where they read the public replies and answer."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, g
from sqlalchemy import select

from crm.cases.models import Case
from crm.extensions import db

#: where the links issued in this request are kept on ``g``, by case id (only the hash is stored)
_ISSUED = "_crm_portal_links"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(case: Case) -> str:
    """A new secret link to the case's status page; an earlier link stops working."""
    token = secrets.token_urlsafe(32)
    case.portal_token_hash = _digest(token)
    db.session.flush()
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/status/{token}"
    g.setdefault(_ISSUED, {})[case.id] = link
    return link


def link_issued_now(case: Case) -> str | None:
    """The link ``issue_link`` gave ``case`` in this request (the acknowledgement's), so the
    page that follows can show that one instead of ending it with a new one."""
    return g.get(_ISSUED, {}).get(case.id)


def case_for_token(token: str) -> Case | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Case).where(Case.portal_token_hash == _digest(token)))
