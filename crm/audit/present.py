"""The audit log as people read it: who by name, the object by its kind and name, each field
by its translated name, and before → after for every changed field. Read-only; the entries
themselves keep ids and English keys, so they stay stable when names or translations change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.audit.labels import FIELD_LABELS, OBJECT_LABELS, PEOPLE, USER_FIELDS, VALUE_LABELS
from crm.audit.models import AuditEntry
from crm.audit.services import ACTION_LABELS, CHANGE_ACTIONS
from crm.auth.models import User
from crm.core.links import object_page
from crm.core.providers import merge_providers
from crm.customers.merge import FIELD_LABELS as MERGE_FIELD_LABELS
from crm.customers.models import Customer
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.notifications.kinds import EMAIL_LABELS, KIND_LABELS


@dataclass(frozen=True)
class ShownField:
    label: str
    #: for a change, the value before and after; otherwise ``value`` alone
    before: Any = None
    after: Any = None
    value: Any = None
    changed: bool = False


@dataclass(frozen=True)
class ShownEntry:
    entry: AuditEntry
    actor: str
    action: str
    #: "User 王小二", "Case #12"; empty for events without an object
    object: str
    fields: list[ShownField]
    #: the object's page, where its kind has one (``crm.core.links``)
    url: str | None = None


def _names(entries: list[AuditEntry]) -> tuple[dict[int, str], dict[int, str]]:
    """Display names of the users and customers the entries mention, in two queries."""
    user_ids: set[int] = set()
    customer_ids: set[int] = set()
    for entry in entries:
        if entry.object_type in ("user", "customer") and (entry.object_id or "").isdigit():
            (user_ids if entry.object_type == "user" else customer_ids).add(int(entry.object_id))
        for key, value in entry.details.items():
            if key in USER_FIELDS:
                values = value if isinstance(value, list) else [value]
                user_ids.update(v for v in values if isinstance(v, int))
    users = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    customers = dict(
        db.session.execute(
            select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
        ).all()
    )
    return users, customers


def _object(entry: AuditEntry, users: dict[int, str], customers: dict[int, str]) -> str:
    if not entry.object_type:
        return ""
    kind = str(OBJECT_LABELS.get(entry.object_type, entry.object_type))
    known = {"user": users, "customer": customers}.get(entry.object_type, {})
    oid = entry.object_id or ""
    name = known.get(int(oid)) if oid.isdigit() else None
    return f"{kind} {name}" if name else f"{kind} #{oid}"


def _labeller(labels: dict[Any, Any] | None) -> Any:
    def label(value: Any) -> Any:
        if isinstance(value, bool):
            return str(_l("Yes") if value else _l("No"))
        if labels is None:
            return value
        if isinstance(value, list):
            return [label(v) for v in value]
        if isinstance(value, dict):  # counts by kind, e.g. the rows a merge moved
            return [f"{label(key)} {count}" for key, count in value.items()]
        return str(labels[value]) if isinstance(value, str) and value in labels else value

    return label


def _value_labels() -> dict[str, dict[Any, Any]]:
    """VALUE_LABELS with a merge's moved rows by the names their domains registered."""
    moved = {provider.name: provider.label for provider in merge_providers()}
    changed = {**MERGE_FIELD_LABELS, "phones": _l("Phone numbers")}
    return {**VALUE_LABELS, "moved": moved, "changed": changed}


def _setting_field(key: str) -> tuple[str, dict[Any, Any] | None] | None:
    """A notification setting's change (``notifications.<kind>.<in_app|email>``): its label and
    its values' labels; None for any other key."""
    prefix, _dot, rest = key.partition(".")
    kind, _dot, field = rest.rpartition(".")
    if prefix != "notifications" or kind not in KIND_LABELS:
        return None
    if field == "email":
        return f"{KIND_LABELS[kind]} · {_l('By e-mail')}", EMAIL_LABELS
    return f"{KIND_LABELS[kind]} · {_l('In the app')}", None


def present(entries: list[AuditEntry]) -> list[ShownEntry]:
    """The entries ready to show, in their order."""
    users, customers = _names(entries)
    value_labels = _value_labels()

    def person(value: Any) -> Any:
        if isinstance(value, list):
            return [person(v) for v in value]
        return users.get(value, f"#{value}") if isinstance(value, int) else value

    shown = []
    for entry in entries:
        fields = []
        details = entry.details
        if set(details) == {"from", "to"}:  # a rescheduled callback: its due date moved
            label, details = str(FIELD_LABELS["due_date"]), {}
            fields.append(
                ShownField(label, entry.details["from"], entry.details["to"], changed=True)
            )
        for key, value in details.items():
            label = str(FIELD_LABELS.get(key, key))
            labels = value_labels.get(key)
            if key == "name" and entry.object_type not in PEOPLE:
                label = str(_l("Item name"))  # a token's, holiday's, scorecard's: not 姓名
            if setting := _setting_field(key):
                label, labels = setting
            convert = person if key in USER_FIELDS else _labeller(labels)
            if entry.action in CHANGE_ACTIONS and isinstance(value, list) and len(value) == 2:
                before, after = convert(value[0]), convert(value[1])
                fields.append(ShownField(label, before=before, after=after, changed=True))
            else:
                fields.append(ShownField(label, value=convert(value)))
        shown.append(
            ShownEntry(
                entry=entry,
                actor=entry.actor.display_name if entry.actor else "",
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                object=_object(entry, users, customers),
                fields=fields,
                url=object_page(entry.object_type, entry.object_id),
            )
        )
    return shown
