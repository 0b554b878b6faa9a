"""The one way to append to the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from flask import has_request_context, request

from crm.audit.models import AuditEntry
from crm.auth.models import User
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


class AuditAction(StrEnum):
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOGIN_THROTTLED = "auth.login_throttled"
    LOGOUT = "auth.logout"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 - an event name
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 - an event name
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_UNLOCKED = "user.unlocked"
    PREFERENCES_CHANGED = "user.preferences_changed"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_DELETED = "customer.deleted"
    CUSTOMER_RESTORED = "customer.restored"
    CUSTOMER_MERGED = "customer.merged"
    CUSTOMER_MERGE_UNDONE = "customer.merge_undone"
    CUSTOMERS_IMPORTED = "customer.imported"
    IMPORT_UNDONE = "customer.import_undone"
    CUSTOMERS_EXPORTED = "customer.exported"
    PURCHASE_ADDED = "customer.purchase_added"
    FEEDBACK_ADDED = "customer.feedback_added"
    INTERACTION_LOGGED = "interaction.logged"
    INTERACTION_CORRECTED = "interaction.corrected"
    INTERACTION_DELETED = "interaction.deleted"
    CALLBACK_PLANNED = "callback.planned"
    CALLBACK_PLAN_ENDED = "callback.plan_ended"
    CALLBACK_SKIPPED = "callback.skipped"
    CALLBACK_RESCHEDULED = "callback.rescheduled"
    CALLBACKS_REASSIGNED = "callback.reassigned"
    TRAINING_SESSION_CREATED = "training.session_created"
    TRAINING_MARKS_CHANGED = "training.marks_changed"
    TRAINING_ATTENDANCE = "training.attendance"
    TRAINING_SCORES = "training.scores"
    CASE_OPENED = "case.opened"
    CASE_STATUS = "case.status"
    CASE_TRANSFERRED = "case.transferred"
    CASE_UPDATED = "case.updated"
    CASE_REPLIED = "case.replied"
    REPLY_TEMPLATE_CHANGED = "cases.reply_template_changed"
    ROUTING_CHANGED = "cases.routing_changed"
    SLA_CHANGED = "sla.changed"
    SURVEY_SENT = "survey.sent"
    SURVEY_ANSWERED = "survey.answered"
    QA_SCORECARD_CHANGED = "qa.scorecard_changed"
    QA_SAMPLE_DRAWN = "qa.sample_drawn"
    QA_REVIEW_SUBMITTED = "qa.review_submitted"
    QA_REVIEW_ACKNOWLEDGED = "qa.review_acknowledged"
    QA_DISPUTE_OPENED = "qa.dispute_opened"
    QA_DISPUTE_DECIDED = "qa.dispute_decided"
    QA_TRAINING_WITHDRAWN = "qa.training_withdrawn"
    QA_CALIBRATION = "qa.calibration"
    QA_TRAINING_RULE = "qa.training_rule"
    API_TOKEN_CREATED = "api.token_created"  # noqa: S105 - an event name
    API_TOKEN_REVOKED = "api.token_revoked"  # noqa: S105 - an event name
    TARGETS_CHANGED = "reports.targets_changed"
    REPORT_EXPORTED = "reports.exported"
    CONTINGENCY_STARTED = "contingency.started"
    CONTINGENCY_ENDED = "contingency.ended"
    TWO_FACTOR_ENABLED = "auth.2fa_enabled"
    TWO_FACTOR_DISABLED = "auth.2fa_disabled"
    TWO_FACTOR_FAILED = "auth.2fa_failed"
    TWO_FACTOR_RESET = "auth.2fa_reset"
    RECOVERY_CODE_USED = "auth.recovery_code_used"
    RECOVERY_CODES_RENEWED = "auth.recovery_codes_renewed"
    ARTICLE_SAVED = "knowledge.article_saved"
    ARTICLE_SUBMITTED = "knowledge.article_submitted"
    ARTICLE_PUBLISHED = "knowledge.article_published"
    ARTICLE_RESTORED = "knowledge.article_restored"
    KB_CATEGORY_CHANGED = "knowledge.category_changed"
    SYNONYMS_CHANGED = "knowledge.synonyms_changed"
    TEAM_CHANGED = "teams.team_changed"
    TEAM_DELETED = "teams.team_deleted"
    ROSTER_CHANGED = "teams.roster_changed"
    ACTION_CREATED = "plans.action_created"
    ACTION_CHANGED = "plans.action_changed"
    PLAN_SAVED = "plans.plan_saved"
    PLAN_APPROVED = "plans.plan_approved"
    CONSENT_RECORDED = "value.consent_recorded"
    MARKETING_EXPORTED = "value.marketing_exported"
    CUSTOMER_DATA_EXPORTED = "value.customer_data_exported"
    CUSTOMER_ERASED = "value.customer_erased"
    VALUE_SETTINGS_CHANGED = "value.settings_changed"
    CARE_DATE_CHANGED = "value.care_date_changed"
    OFFER_RULE_CHANGED = "value.offer_rule_changed"
    OFFER_RECORDED = "value.offer_recorded"


ACTION_LABELS = {
    AuditAction.LOGIN: _l("Signed in"),
    AuditAction.LOGIN_FAILED: _l("Failed sign-in"),
    AuditAction.LOGIN_THROTTLED: _l("Sign-in refused (too many attempts)"),
    AuditAction.LOGOUT: _l("Signed out"),
    AuditAction.PASSWORD_CHANGED: _l("Changed own password"),
    AuditAction.USER_CREATED: _l("User created"),
    AuditAction.USER_UPDATED: _l("User changed"),
    AuditAction.USER_PASSWORD_RESET: _l("Password reset"),
    AuditAction.USER_DEACTIVATED: _l("User deactivated"),
    AuditAction.USER_REACTIVATED: _l("User reactivated"),
    AuditAction.USER_UNLOCKED: _l("Failed sign-ins cleared"),
    AuditAction.PREFERENCES_CHANGED: _l("Preferences changed"),
    AuditAction.CUSTOMER_CREATED: _l("Customer created"),
    AuditAction.CUSTOMER_UPDATED: _l("Customer changed"),
    AuditAction.CUSTOMER_DELETED: _l("Customer deleted"),
    AuditAction.CUSTOMER_RESTORED: _l("Customer restored"),
    AuditAction.CUSTOMER_MERGED: _l("Customers merged"),
    AuditAction.CUSTOMER_MERGE_UNDONE: _l("Merge undone"),
    AuditAction.CUSTOMERS_IMPORTED: _l("Customers imported"),
    AuditAction.IMPORT_UNDONE: _l("Import undone"),
    AuditAction.CUSTOMERS_EXPORTED: _l("Customers exported"),
    AuditAction.PURCHASE_ADDED: _l("Purchase recorded"),
    AuditAction.FEEDBACK_ADDED: _l("Feedback recorded"),
    AuditAction.INTERACTION_LOGGED: _l("Interaction logged"),
    AuditAction.INTERACTION_CORRECTED: _l("Interaction corrected"),
    AuditAction.INTERACTION_DELETED: _l("Interaction deleted"),
    AuditAction.CALLBACK_PLANNED: _l("Callbacks planned"),
    AuditAction.CALLBACK_PLAN_ENDED: _l("Callback plan ended"),
    AuditAction.CALLBACK_SKIPPED: _l("Callback skipped"),
    AuditAction.CALLBACK_RESCHEDULED: _l("Callback rescheduled"),
    AuditAction.CALLBACKS_REASSIGNED: _l("Callbacks reassigned"),
    AuditAction.TRAINING_SESSION_CREATED: _l("Training session planned"),
    AuditAction.TRAINING_MARKS_CHANGED: _l("Exam marks changed"),
    AuditAction.TRAINING_ATTENDANCE: _l("Attendance recorded"),
    AuditAction.TRAINING_SCORES: _l("Exam results recorded"),
    AuditAction.CASE_OPENED: _l("Case opened"),
    AuditAction.CASE_STATUS: _l("Case status changed"),
    AuditAction.CASE_TRANSFERRED: _l("Case transferred"),
    AuditAction.CASE_UPDATED: _l("Case changed"),
    AuditAction.CASE_REPLIED: _l("Reply sent to the customer"),
    AuditAction.REPLY_TEMPLATE_CHANGED: _l("Reply template changed"),
    AuditAction.ROUTING_CHANGED: _l("Case routing changed"),
    AuditAction.SLA_CHANGED: _l("SLA settings changed"),
    AuditAction.SURVEY_SENT: _l("Survey link created"),
    AuditAction.SURVEY_ANSWERED: _l("Survey answered"),
    AuditAction.QA_SCORECARD_CHANGED: _l("Scorecard changed"),
    AuditAction.QA_SAMPLE_DRAWN: _l("QA sample drawn"),
    AuditAction.QA_REVIEW_SUBMITTED: _l("QA review submitted"),
    AuditAction.QA_REVIEW_ACKNOWLEDGED: _l("QA review acknowledged"),
    AuditAction.QA_DISPUTE_OPENED: _l("QA review disputed"),
    AuditAction.QA_DISPUTE_DECIDED: _l("QA dispute decided"),
    AuditAction.QA_TRAINING_WITHDRAWN: _l("QA training assignment withdrawn"),
    AuditAction.QA_CALIBRATION: _l("Calibration session"),
    AuditAction.QA_TRAINING_RULE: _l("QA training rule changed"),
    AuditAction.API_TOKEN_CREATED: _l("API token created"),
    AuditAction.API_TOKEN_REVOKED: _l("API token revoked"),
    AuditAction.TARGETS_CHANGED: _l("Service target changed"),
    AuditAction.REPORT_EXPORTED: _l("Report rows exported"),
    AuditAction.CONTINGENCY_STARTED: _l("Contingency mode switched on"),
    AuditAction.CONTINGENCY_ENDED: _l("Contingency mode switched off"),
    AuditAction.TWO_FACTOR_ENABLED: _l("Two-factor sign-in switched on"),
    AuditAction.TWO_FACTOR_DISABLED: _l("Two-factor sign-in switched off"),
    AuditAction.TWO_FACTOR_FAILED: _l("Wrong two-factor code"),
    AuditAction.TWO_FACTOR_RESET: _l("Two-factor sign-in reset by an administrator"),
    AuditAction.RECOVERY_CODE_USED: _l("Signed in with a recovery code"),
    AuditAction.RECOVERY_CODES_RENEWED: _l("Recovery codes renewed"),
    AuditAction.ARTICLE_SAVED: _l("Article saved"),
    AuditAction.ARTICLE_SUBMITTED: _l("Article sent for approval"),
    AuditAction.ARTICLE_PUBLISHED: _l("Article published"),
    AuditAction.ARTICLE_RESTORED: _l("Article version restored"),
    AuditAction.KB_CATEGORY_CHANGED: _l("Knowledge category changed"),
    AuditAction.SYNONYMS_CHANGED: _l("Search synonyms changed"),
    AuditAction.TEAM_CHANGED: _l("Team changed"),
    AuditAction.TEAM_DELETED: _l("Team removed"),
    AuditAction.ROSTER_CHANGED: _l("Duty roster changed"),
    AuditAction.ACTION_CREATED: _l("Improvement action created"),
    AuditAction.ACTION_CHANGED: _l("Improvement action changed"),
    AuditAction.PLAN_SAVED: _l("Service plan saved"),
    AuditAction.PLAN_APPROVED: _l("Service plan approved"),
    AuditAction.CONSENT_RECORDED: _l("Marketing consent recorded"),
    AuditAction.MARKETING_EXPORTED: _l("Marketing list exported"),
    AuditAction.CUSTOMER_DATA_EXPORTED: _l("A customer's personal data exported"),
    AuditAction.CUSTOMER_ERASED: _l("Customer anonymised on request"),
    AuditAction.VALUE_SETTINGS_CHANGED: _l("Value segment settings changed"),
    AuditAction.CARE_DATE_CHANGED: _l("Care dates changed"),
    AuditAction.OFFER_RULE_CHANGED: _l("Offer rule changed"),
    AuditAction.OFFER_RECORDED: _l("Offer outcome recorded"),
}

#: actions whose details map each changed field to [old, new]
CHANGE_ACTIONS = frozenset(
    {
        AuditAction.USER_UPDATED,
        AuditAction.USER_DEACTIVATED,
        AuditAction.USER_REACTIVATED,
        AuditAction.PREFERENCES_CHANGED,
        AuditAction.CUSTOMER_UPDATED,
        AuditAction.INTERACTION_CORRECTED,
        AuditAction.TRAINING_MARKS_CHANGED,
        AuditAction.CASE_STATUS,
        AuditAction.CASE_TRANSFERRED,
        AuditAction.CASE_UPDATED,
        AuditAction.REPLY_TEMPLATE_CHANGED,
        AuditAction.ROUTING_CHANGED,
        AuditAction.TARGETS_CHANGED,
        AuditAction.ARTICLE_SAVED,
        AuditAction.TEAM_CHANGED,
    }
)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field's value (dates and decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as ``{"field": [old, new]}``: the details of a change
    action, so the log shows before → after for every changed field."""
    return {
        field: [_plain(before.get(field)), _plain(value)]
        for field, value in after.items()
        if _plain(before.get(field)) != _plain(value)
    }


def record(
    *,
    action: AuditAction,
    actor: User | None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry to the session; the caller's commit makes it permanent.

    :param actor: who acted; None for anonymous events (the attempted name goes in details).
    :param details: for changes, ``{"field": [old, new]}``; JSON-serialisable values only.
    """
    entry = AuditEntry(
        action=action.value,
        actor_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        details=details or {},
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
