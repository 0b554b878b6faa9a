"""What the audit log page calls things: the kinds of object, the fields in an entry's details,
the labels of coded values, and which fields hold people."""

from __future__ import annotations

from typing import Any

from crm.auth.permissions import ROLE_LABELS
from crm.callbacks.models import CADENCE_LABELS, TASK_REASON_LABELS
from crm.cases.models import DEPARTMENT_LABELS, PRIORITY_LABELS, STATUS_LABELS
from crm.cases.routing_models import MODE_LABELS
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS, CHANNEL_LABELS
from crm.knowledge.models import ARTICLE_STATUS_LABELS, AUDIENCE_LABELS
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
