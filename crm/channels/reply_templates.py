"""Reply templates: kept by supervisors, offered in every case's reply box."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.channels.models import ReplyTemplate
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


def save_template(
    *, actor: User, template: ReplyTemplate | None, name: str, body: str, active: bool
) -> ReplyTemplate:
    """Create a template (``template`` None) or change one; a template is retired, never
    deleted, so a reply that used it still reads the same.

    :raises DomainError: for an empty or taken name, or an empty text.
    """
    if not actor.can(Permission.CASES_SUPERVISE):
        raise PermissionDenied(_l("Only supervisors keep the reply templates."))
    name, body = (name or "").strip()[:100], (body or "").strip()
    if not name:
        raise DomainError(_l("Give the template a name."), field="name")
    if not body:
        raise DomainError(_l("Write the template's text."), field="body")
    taken = db.session.scalar(
        select(ReplyTemplate.id).where(func.lower(ReplyTemplate.name) == name.lower())
    )
    if taken is not None and (template is None or taken != template.id):
        raise DomainError(_l("Another template has this name."), field="name")
    before = (
        {"name": template.name, "body": template.body, "active": template.active}
        if template
        else {"name": None, "body": None, "active": None}
    )
    try:
        # A savepoint: a double-clicked Save races its twin to the unique name.
        with db.session.begin_nested():
            if template is None:
                template = ReplyTemplate(updated_by_id=actor.id)
                db.session.add(template)
            template.name, template.body, template.active = name, body, active
            template.updated_by_id = actor.id
    except IntegrityError:
        raise DomainError(_l("Another template has this name."), field="name") from None
    after = {"name": name, "body": body, "active": active}
    record(
        action=AuditAction.REPLY_TEMPLATE_CHANGED,
        actor=actor,
        object_type="reply_template",
        object_id=template.id,
        details={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return template
