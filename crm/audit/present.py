"""The audit log as people read it: who by name, the object by its kind and name, each field
by its translated name, and before → after for every changed field. Read-only; the entries
themselves keep ids and English keys, so they stay stable when names or translations change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.audit.services import ACTION_LABELS, CHANGE_ACTIONS
from crm.auth.models import User
from crm.auth.permissions import ROLE_LABELS
from crm.callbacks.models import CADENCE_LABELS, TASK_REASON_LABELS
from crm.cases.models import DEPARTMENT_LABELS, PRIORITY_LABELS, STATUS_LABELS
from crm.cases.routing_models import MODE_LABELS
from crm.core.links import object_page
from crm.core.providers import merge_providers
from crm.customers.merge import FIELD_LABELS as MERGE_FIELD_LABELS
from crm.customers.models import Customer
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS, CHANNEL_LABELS
from crm.knowledge.models import ARTICLE_STATUS_LABELS, AUDIENCE_LABELS
from crm.notifications.kinds import EMAIL_LABELS, KIND_LABELS
from crm.plans.labels import DECISION_LABELS
from crm.plans.labels import STATUS_LABELS as ACTION_STATUS_LABELS
from crm.qa.models import DISPUTE_LABELS
from crm.reports.labels import KPI_LABELS

#: the kinds of object entries are about, for the page and its filter
OBJECT_LABELS = {
    "user": _l("User"),
    "customer": _l("Customer"),
    "case": _l("Case"),
    "interaction": _l("Interaction"),
    "callback_plan": _l("Callback plan"),
    "callback_task": _l("Callback"),
    "training_session": _l("Training session"),
    "qa_review": _l("Review"),
    "qa_scorecard": _l("Scorecard"),
    "service_target": _l("Service target"),
    "sla_policy": _l("SLA"),
    "holiday": _l("Holiday"),
    "api_token": _l("API token"),
    "department": _l("Department"),
    "import": _l("Customer import"),
    "incident": _l("Incident"),
    "qa_calibration": _l("Calibration session"),
    "qa_draw": _l("Review sample"),
    "qa_training_rule": _l("Training rule"),
    "report": _l("Report"),
    "article": _l("Article"),
    "synonyms": _l("Synonyms"),
    "team": _l("Team"),
    "roster": _l("Duty roster"),
    "improvement_action": _l("Improvement action"),
    "service_plan": _l("Service plan"),
}

#: field keys written in details, by their name on the pages
FIELD_LABELS = {
    "merge_id": _l("Merge record"),
    "absorbed": _l("Merged customer"),
    "merged_into": _l("Merged into"),
    "restored": _l("Restored customer"),
    "moved": _l("Moved"),
    "changed": _l("Changed fields"),
    "display_name": _l("Name"),
    "name": _l("Name"),
    "roles": _l("Roles"),
    "active": _l("Active"),
    "department": _l("Department"),
    "assignee": _l("Assignee"),
    "owner_id": _l("Owner"),
    "status": _l("Status"),
    "max_score": _l("Maximum score"),
    "pass_mark": _l("Pass mark"),
    "baseline": _l("Baseline"),
    "target": _l("Target"),
    "scorecard_weight": _l("Scorecard weight"),
    "due_date": _l("Due date"),
    "root_cause": _l("Root cause"),
    "corrective_action": _l("Corrective action"),
    "confirmation_method": _l("Confirmation method"),
    "confirmed_by": _l("Confirmed by"),
    "confirmed_at": _l("Confirmed at"),
    "locale": _l("Language"),
    "timezone": _l("Time zone"),
    "category": _l("Category"),
    "summary": _l("Summary"),
    "reason": _l("Reason"),
    "phones": _l("Phone"),
    "email": _l("E-mail"),
    "company": _l("Company"),
    "region": _l("Region"),
    "tags": _l("Tags"),
    "notes": _l("Notes"),
    "customer": _l("Customer"),
    "subject": _l("Subject"),
    "priority": _l("Priority"),
    "rows": _l("Rows"),
    "attempts": _l("Attempts"),
    "file": _l("File"),
    "username": _l("Username"),
    "cadence": _l("Cadence"),
    "note": _l("Note"),
    "feedback": _l("Feedback"),
    "rating": _l("Rating"),
    "purchase": _l("Purchase"),
    "product": _l("Product"),
    "amount": _l("Amount"),
    "reviewers": _l("Reviewers"),
    "decision": _l("Decision"),
    "criteria": _l("Criteria"),
    "criterion": _l("Criterion"),
    "final_score": _l("Final score"),
    "computed_score": _l("Computed score"),
    "version": _l("Version"),
    "below": _l("Below (%)"),
    "topic": _l("Topic"),
    "working": _l("Working day"),
    "attitude": _l("Attitude"),
    "efficiency": _l("Efficiency"),
    "resolution": _l("Resolution"),
    "channel": _l("Channel"),
    "expires": _l("Expires"),
    "title": _l("Title"),
    "invited": _l("Invited"),
    "cases_paused": _l("Cases paused"),
    "recipient": _l("Sent to"),
    "resent": _l("E-mail sent again to"),
    "message": _l("Message"),
    "origin": _l("Arrived by"),
    "mode": _l("New cases go"),
    "agents": _l("Agents of this queue"),
    "body": _l("Text"),
    "article_status": _l("State"),
    "audience": _l("Readers"),
    "review_by": _l("Review by"),
    "subcategory": _l("Subcategory"),
    "synonyms": _l("Synonyms"),
    "leader": _l("Leader"),
    "qa_quota": _l("QA sample per member"),
    "members": _l("Members"),
    "people": _l("People"),
    "days": _l("Days changed"),
    "from": _l("From"),
    "to": _l("To"),
    "kpi": _l("KPI"),
    "owner": _l("Owner"),
    "outcome": _l("Outcome"),
    "period": _l("Period"),
    "action_status": _l("Status"),
    "next_step": _l("Next"),
}

#: fields whose values are codes, shown by their label (a code without one stays as it is)
VALUE_LABELS: dict[str, dict[Any, Any]] = {
    "status": STATUS_LABELS,
    "action_status": ACTION_STATUS_LABELS,
    "next_step": DECISION_LABELS,
    "kpi": KPI_LABELS,
    "department": DEPARTMENT_LABELS,
    "priority": PRIORITY_LABELS,
    "roles": ROLE_LABELS,
    "category": CATEGORY_LABELS,
    "cadence": CADENCE_LABELS,
    "decision": DISPUTE_LABELS,
    "reason": TASK_REASON_LABELS,
    "channel": {**CHANNEL_LABELS, "link": _l("Survey link")},
    "origin": {**CHANNEL_LABELS, "agent": _l("Typed in by an agent")},
    "mode": MODE_LABELS,
    "article_status": ARTICLE_STATUS_LABELS,
    "audience": AUDIENCE_LABELS,
}

#: the kinds of object whose ``name`` is a person's
PEOPLE = frozenset({"user", "customer"})
#: fields whose values are user ids, shown by name
USER_FIELDS = frozenset(
    {
        "assignee",
        "owner_id",
        "trainer_id",
        "agent_id",
        "reviewer_id",
        "reviewers",
        "agents",
        "leader",
        "members",
        "people",
    }
)


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
