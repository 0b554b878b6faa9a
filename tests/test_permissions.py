"""The role x route matrix, built against ``app.url_map``: a new route without an entry here
fails the suite, and every entry is checked for every role over HTTP."""

from __future__ import annotations

import io
from datetime import date
from typing import NamedTuple

import pytest
from flask import Flask
from sqlalchemy import select

from crm.api.framework import OPERATIONS
from crm.api.tokens import create_token
from crm.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from crm.cases.services import open_case
from crm.channels.attachments import store
from crm.channels.outbox import queue_mail
from crm.customers.imports import start_import
from crm.customers.merge import merge_customers
from crm.customers.models import Customer
from crm.customers.saved_filters import save_filter
from crm.customers.services import delete_customer
from crm.database import utcnow
from crm.extensions import db
from crm.knowledge.categories import add_subcategory
from crm.plans.actions import ActionInput, create_action
from crm.plans.services import create_plan
from crm.qa.calibration import create_session
from crm.qa.models import Review, Scorecard, TrainingRule
from crm.teams.services import create_team, set_members
from crm.training.models import TrainingTopic
from crm.value.models import Offer, SegmentRule
from tests.conftest import csrf_token, login
from tests.factories import (
    make_customer,
    make_interaction,
    make_offer_rule,
    make_plan,
    make_session,
    make_task,
    make_user,
    notify_user,
)
from tests.knowledge.support import make_article

PUBLIC = "public"
LOGIN = "login"
#: for other people's objects: refused to every role (only the owner may)
OWNER_ONLY = "owner only"


class Route(NamedTuple):
    path: str
    #: who may use it: PUBLIC, LOGIN or the permission the view declares
    access: str | Permission
    #: for objects of another user: the permission needed on top (object-level check), or
    #: OWNER_ONLY
    on_others: Permission | str | None = None


#: (endpoint, method) -> route. Placeholders: {other} another user's id, {customer} a
#: customer, {interaction} another user's interaction, {saved} another user's saved filter,
#: {batch} an uploaded import, {plan} a callback plan, {task} another agent's callback,
#: {notification} another user's notification, {session} another trainer's training session
#: (only its trainer, or an administrator, edits it), {topic} a training topic, {case} a case,
#: {review} an unassigned QA review of another agent's interaction, {scorecard} a scorecard,
#: {rule} a QA training rule, {calibration} a calibration session of other reviewers,
#: {token} another user's API token, {merge} a merge of two customers, {attachment} a file of
#: the case, {mail} an e-mail of the case, {team} a team of another supervisor, {improvement}
#: an improvement action another agent owns.
MATRIX: dict[tuple[str, str], Route] = {
    ("core.home", "GET"): Route("/", LOGIN),
    # The home's sections, each polled by htmx from its own URL (crm/core/home.py).
    ("home.my_callbacks", "GET"): Route("/home/my_callbacks", Permission.CALLBACKS_WORK),
    ("home.team_callbacks", "GET"): Route("/home/team_callbacks", Permission.CALLBACKS_PLAN),
    ("home.my_cases", "GET"): Route("/home/my_cases", Permission.CASES_WORK),
    ("home.sla_wallboard", "GET"): Route("/home/sla_wallboard", Permission.CASES_SUPERVISE),
    ("home.my_reviews", "GET"): Route("/home/my_reviews", LOGIN),
    ("home.qa_queue", "GET"): Route("/home/qa_queue", Permission.QA_REVIEW),
    ("home.qa_calibrations", "GET"): Route("/home/qa_calibrations", Permission.QA_REVIEW),
    ("home.qa_disputes", "GET"): Route("/home/qa_disputes", Permission.QA_VIEW),
    ("home.training_plan", "GET"): Route("/home/training_plan", Permission.TRAINING_MANAGE),
    ("home.training_queue", "GET"): Route("/home/training_queue", Permission.TRAINING_MANAGE),
    ("home.training_pass_rates", "GET"): Route(
        "/home/training_pass_rates", Permission.TRAINING_VIEW
    ),
    ("home.my_training", "GET"): Route("/home/my_training", LOGIN),
    ("home.month_targets", "GET"): Route("/home/month_targets", Permission.REPORTS_VIEW),
    ("home.admin_accounts", "GET"): Route("/home/admin_accounts", Permission.USERS_MANAGE),
    ("core.favicon", "GET"): Route("/favicon.ico", PUBLIC),
    ("core.healthz", "GET"): Route("/healthz", PUBLIC),
    ("core.readyz", "GET"): Route("/readyz", PUBLIC),
    # 404 without the scraper's token (tests/core/test_metrics.py)
    ("metrics.metrics", "GET"): Route("/metrics", PUBLIC),
    ("core.set_language", "POST"): Route("/language", PUBLIC),
    ("auth.login", "GET"): Route("/login", PUBLIC),
    ("auth.login", "POST"): Route("/login", PUBLIC),
    ("auth.logout", "POST"): Route("/logout", LOGIN),
    ("auth.account", "GET"): Route("/account", LOGIN),
    ("auth.update_preferences", "POST"): Route("/account/preferences", LOGIN),
    ("auth.change_password", "POST"): Route("/account/password", LOGIN),
    ("two_factor.verify", "GET"): Route("/login/verify", PUBLIC),
    ("two_factor.verify", "POST"): Route("/login/verify", PUBLIC),
    ("two_factor.setup", "GET"): Route("/account/two-factor", LOGIN),
    ("two_factor.begin", "POST"): Route("/account/two-factor/begin", LOGIN),
    ("two_factor.confirm", "POST"): Route("/account/two-factor/confirm", LOGIN),
    ("two_factor.renew_codes", "POST"): Route("/account/two-factor/recovery-codes", LOGIN),
    ("two_factor.disable", "POST"): Route("/account/two-factor/disable", LOGIN),
    ("contingency.index", "GET"): Route("/contingency/", Permission.CONTINGENCY_VIEW),
    ("contingency.start", "POST"): Route("/contingency/start", Permission.CONTINGENCY_MANAGE),
    ("contingency.end", "POST"): Route("/contingency/end", Permission.CONTINGENCY_MANAGE),
    ("contingency.add_update", "POST"): Route("/contingency/updates", Permission.CONTINGENCY_VIEW),
    ("users.index", "GET"): Route("/admin/users/", Permission.USERS_MANAGE),
    ("users.create", "GET"): Route("/admin/users/new", Permission.USERS_MANAGE),
    ("users.create", "POST"): Route("/admin/users/new", Permission.USERS_MANAGE),
    ("users.edit", "GET"): Route("/admin/users/{other}", Permission.USERS_MANAGE),
    ("users.edit", "POST"): Route("/admin/users/{other}", Permission.USERS_MANAGE),
    ("users.reset_two_factor", "POST"): Route(
        "/admin/users/{other}/two-factor", Permission.USERS_MANAGE
    ),
    ("users.reset_password", "POST"): Route(
        "/admin/users/{other}/password", Permission.USERS_MANAGE
    ),
    ("users.set_active", "POST"): Route("/admin/users/{other}/active", Permission.USERS_MANAGE),
    ("users.clear_throttle", "POST"): Route(
        "/admin/users/{other}/throttle", Permission.USERS_MANAGE
    ),
    ("audit.index", "GET"): Route("/admin/audit/", Permission.AUDIT_VIEW),
    ("customers.index", "GET"): Route("/customers/", Permission.CUSTOMERS_VIEW),
    ("customers.quick_search", "GET"): Route(
        "/customers/quick-search?q=138", Permission.CUSTOMERS_VIEW
    ),
    ("customers.create", "GET"): Route("/customers/new", Permission.CUSTOMERS_EDIT),
    ("customers.create", "POST"): Route("/customers/new", Permission.CUSTOMERS_EDIT),
    ("customers.show", "GET"): Route("/customers/{customer}", Permission.CUSTOMERS_VIEW),
    ("customers.timeline", "GET"): Route(
        "/customers/{customer}/timeline", Permission.CUSTOMERS_VIEW
    ),
    ("customers.edit", "GET"): Route("/customers/{customer}/edit", Permission.CUSTOMERS_EDIT),
    ("customers.edit", "POST"): Route("/customers/{customer}/edit", Permission.CUSTOMERS_EDIT),
    ("customers.purchase_form", "GET"): Route(
        "/customers/{customer}/purchases/new", Permission.CUSTOMERS_EDIT
    ),
    ("customers.feedback_form", "GET"): Route(
        "/customers/{customer}/feedback/new", Permission.CUSTOMERS_EDIT
    ),
    ("customers.add_purchase", "POST"): Route(
        "/customers/{customer}/purchases", Permission.CUSTOMERS_EDIT
    ),
    ("customers.add_feedback", "POST"): Route(
        "/customers/{customer}/feedback", Permission.CUSTOMERS_EDIT
    ),
    ("customers.save_filter", "POST"): Route("/customers/saved-filters", Permission.CUSTOMERS_VIEW),
    ("customers.delete_saved_filter", "POST"): Route(
        "/customers/saved-filters/{saved}/delete", Permission.CUSTOMERS_VIEW
    ),
    ("interactions.log", "POST"): Route(
        "/customers/{customer}/interactions", Permission.INTERACTIONS_LOG
    ),
    ("interactions.edit", "GET"): Route(
        "/interactions/{interaction}/edit",
        Permission.INTERACTIONS_LOG,
        on_others=Permission.INTERACTIONS_MODERATE,
    ),
    ("interactions.edit", "POST"): Route(
        "/interactions/{interaction}/edit",
        Permission.INTERACTIONS_LOG,
        on_others=Permission.INTERACTIONS_MODERATE,
    ),
    ("interactions.delete", "POST"): Route(
        "/interactions/{interaction}/delete", Permission.INTERACTIONS_MODERATE
    ),
    ("customers.merge", "GET"): Route("/customers/{customer}/merge", Permission.CUSTOMERS_MANAGE),
    ("customers.confirm_merge", "POST"): Route(
        "/customers/{customer}/merge", Permission.CUSTOMERS_MANAGE
    ),
    ("customers.merge_record", "GET"): Route(
        "/customers/merges/{merge}", Permission.CUSTOMERS_MANAGE
    ),
    ("customers.undo", "POST"): Route(
        "/customers/merges/{merge}/undo", Permission.CUSTOMERS_MANAGE
    ),
    ("customers.export", "POST"): Route("/customers/export", Permission.CUSTOMERS_EXPORT),
    ("imports.upload", "GET"): Route("/customers/import/", Permission.CUSTOMERS_MANAGE),
    ("imports.receive", "POST"): Route("/customers/import/", Permission.CUSTOMERS_MANAGE),
    ("imports.show", "GET"): Route("/customers/import/{batch}", Permission.CUSTOMERS_MANAGE),
    ("imports.progress", "GET"): Route(
        "/customers/import/{batch}/progress", Permission.CUSTOMERS_MANAGE
    ),
    ("imports.check", "POST"): Route(
        "/customers/import/{batch}/check", Permission.CUSTOMERS_MANAGE
    ),
    ("imports.report", "GET"): Route(
        "/customers/import/{batch}/report.csv", Permission.CUSTOMERS_MANAGE
    ),
    ("imports.commit", "POST"): Route(
        "/customers/import/{batch}/commit", Permission.CUSTOMERS_MANAGE
    ),
    ("imports.undo", "POST"): Route("/customers/import/{batch}/undo", Permission.CUSTOMERS_MANAGE),
    ("callbacks.worklist", "GET"): Route("/callbacks/", Permission.CALLBACKS_WORK),
    ("callbacks.worklist_more", "GET"): Route(
        "/callbacks/more?section=upcoming&after=2000-01-01|0", Permission.CALLBACKS_WORK
    ),
    ("callbacks.task_actions", "GET"): Route(
        "/callbacks/tasks/{task}", Permission.CALLBACKS_WORK, on_others=Permission.CALLBACKS_PLAN
    ),
    ("callbacks.complete", "POST"): Route(
        "/callbacks/tasks/{task}/complete",
        Permission.CALLBACKS_WORK,
        on_others=Permission.CALLBACKS_PLAN,
    ),
    ("callbacks.skip", "POST"): Route(
        "/callbacks/tasks/{task}/skip",
        Permission.CALLBACKS_WORK,
        on_others=Permission.CALLBACKS_PLAN,
    ),
    ("callbacks.reschedule", "POST"): Route(
        "/callbacks/tasks/{task}/reschedule",
        Permission.CALLBACKS_WORK,
        on_others=Permission.CALLBACKS_PLAN,
    ),
    ("callbacks.board", "GET"): Route("/callbacks/board", Permission.CALLBACKS_PLAN),
    ("callbacks.reassign", "POST"): Route("/callbacks/board/reassign", Permission.CALLBACKS_PLAN),
    ("callbacks.plans", "GET"): Route("/callbacks/plans", Permission.CALLBACKS_PLAN),
    ("callbacks.new_plan", "GET"): Route(
        "/callbacks/plans/new?customer={customer}", Permission.CALLBACKS_PLAN
    ),
    ("callbacks.new_plan", "POST"): Route(
        "/callbacks/plans/new?customer={customer}", Permission.CALLBACKS_PLAN
    ),
    ("callbacks.bulk_plans", "GET"): Route("/callbacks/plans/bulk", Permission.CALLBACKS_PLAN),
    ("callbacks.bulk_plans", "POST"): Route("/callbacks/plans/bulk", Permission.CALLBACKS_PLAN),
    ("callbacks.plan", "GET"): Route("/callbacks/plans/{plan}", Permission.CALLBACKS_PLAN),
    ("callbacks.end_plan", "POST"): Route("/callbacks/plans/{plan}/end", Permission.CALLBACKS_PLAN),
    ("notifications.index", "GET"): Route("/notifications/", LOGIN),
    ("notifications.read", "POST"): Route("/notifications/{notification}/read", LOGIN),
    ("notifications.read_all", "POST"): Route("/notifications/read-all", LOGIN),
    ("notifications.read_group", "POST"): Route("/notifications/read-group", LOGIN),
    ("notifications.settings", "GET"): Route("/notifications/settings", LOGIN),
    ("notifications.update_settings", "POST"): Route("/notifications/settings", LOGIN),
    ("training.overview", "GET"): Route("/training/", Permission.TRAINING_VIEW),
    ("training.new_session", "GET"): Route("/training/sessions/new", Permission.TRAINING_MANAGE),
    ("training.new_session", "POST"): Route("/training/sessions/new", Permission.TRAINING_MANAGE),
    ("training.session", "GET"): Route("/training/sessions/{session}", Permission.TRAINING_VIEW),
    ("training.attendance", "POST"): Route(
        "/training/sessions/{session}/attendance",
        Permission.TRAINING_MANAGE,
        on_others=Permission.USERS_MANAGE,
    ),
    ("training.all_present", "POST"): Route(
        "/training/sessions/{session}/attendance/all-present",
        Permission.TRAINING_MANAGE,
        on_others=Permission.USERS_MANAGE,
    ),
    ("training.results", "POST"): Route(
        "/training/sessions/{session}/results",
        Permission.TRAINING_MANAGE,
        on_others=Permission.USERS_MANAGE,
    ),
    ("training.import_results", "POST"): Route(
        "/training/sessions/{session}/results/import",
        Permission.TRAINING_MANAGE,
        on_others=Permission.USERS_MANAGE,
    ),
    ("training.paste_results", "POST"): Route(
        "/training/sessions/{session}/results/paste",
        Permission.TRAINING_MANAGE,
        on_others=Permission.USERS_MANAGE,
    ),
    ("training.marks", "POST"): Route(
        "/training/sessions/{session}/marks",
        Permission.TRAINING_MANAGE,
        on_others=Permission.USERS_MANAGE,
    ),
    ("training.queue", "GET"): Route("/training/queue", Permission.TRAINING_MANAGE),
    ("training.topics", "GET"): Route("/training/topics", Permission.TRAINING_MANAGE),
    ("training.topics", "POST"): Route("/training/topics", Permission.TRAINING_MANAGE),
    ("training.topic_active", "POST"): Route(
        "/training/topics/{topic}/active", Permission.TRAINING_MANAGE
    ),
    ("training.my_record", "GET"): Route("/training/me", LOGIN),
    ("training.record", "GET"): Route("/training/people/{other}", Permission.TRAINING_VIEW),
    ("training.certificates", "GET"): Route("/training/certificates", Permission.TRAINING_VIEW),
    ("cases.mine", "GET"): Route("/cases/", Permission.CASES_WORK),
    ("cases.queue", "GET"): Route("/cases/queue", Permission.CASES_SUPERVISE),
    ("teams.index", "GET"): Route("/teams/", Permission.CASES_SUPERVISE),
    ("teams.create", "POST"): Route("/teams/", Permission.CASES_SUPERVISE),
    ("teams.show", "GET"): Route("/teams/{team}", Permission.CASES_SUPERVISE),
    ("teams.update", "POST"): Route("/teams/{team}", Permission.CASES_SUPERVISE),
    ("teams.add_members", "POST"): Route("/teams/{team}/members", Permission.CASES_SUPERVISE),
    ("teams.remove_member", "POST"): Route(
        "/teams/{team}/members/{other}/remove", Permission.CASES_SUPERVISE
    ),
    ("teams.delete", "POST"): Route("/teams/{team}/delete", Permission.CASES_SUPERVISE),
    ("teams.switch_scope", "POST"): Route("/teams/scope", Permission.CASES_SUPERVISE),
    ("teams.roster", "GET"): Route("/teams/roster", Permission.CASES_SUPERVISE),
    ("teams.save_roster", "POST"): Route("/teams/roster", Permission.CASES_SUPERVISE),
    ("teams.import_file", "POST"): Route("/teams/roster/import", Permission.CASES_SUPERVISE),
    ("cases.new", "GET"): Route("/cases/new?customer={customer}", Permission.CASES_WORK),
    ("cases.new", "POST"): Route("/cases/new?customer={customer}", Permission.CASES_WORK),
    ("cases.show", "GET"): Route("/cases/{case}", Permission.CASES_WORK),
    ("cases.change_status", "POST"): Route("/cases/{case}/status", Permission.CASES_WORK),
    ("cases.transfer", "POST"): Route("/cases/{case}/transfer", Permission.CASES_WORK),
    ("cases.closure", "POST"): Route("/cases/{case}/closure", Permission.CASES_WORK),
    ("channels.attachment", "GET"): Route(
        "/cases/{case}/attachments/{attachment}", Permission.CASES_WORK
    ),
    ("channels.reply", "POST"): Route("/cases/{case}/reply", Permission.CASES_WORK),
    ("channels.note", "POST"): Route("/cases/{case}/note", Permission.CASES_WORK),
    ("channels.use_template", "GET"): Route("/cases/{case}/template", Permission.CASES_WORK),
    ("channels.customer_search", "GET"): Route(
        "/cases/{case}/customer-search?q=x", Permission.CASES_WORK
    ),
    ("channels.set_customer", "POST"): Route("/cases/{case}/customer", Permission.CASES_WORK),
    ("channels.retry_mail", "POST"): Route(
        "/cases/{case}/mails/{mail}/retry", Permission.CASES_WORK
    ),
    ("case_settings.templates", "GET"): Route(
        "/cases/settings/templates", Permission.CASES_SUPERVISE
    ),
    ("case_settings.edit_template", "GET"): Route(
        "/cases/settings/templates/new", Permission.CASES_SUPERVISE
    ),
    ("case_settings.edit_template", "POST"): Route(
        "/cases/settings/templates/new", Permission.CASES_SUPERVISE
    ),
    ("case_settings.routing", "GET"): Route("/cases/settings/routing", Permission.CASES_SUPERVISE),
    ("case_settings.save_routing", "POST"): Route(
        "/cases/settings/routing/service", Permission.CASES_SUPERVISE
    ),
    ("webform.contact", "GET"): Route("/contact", PUBLIC),
    ("webform.contact", "POST"): Route("/contact", PUBLIC),
    ("webform.thanks", "GET"): Route("/contact/thanks", PUBLIC),
    ("webform.status", "GET"): Route("/status/not-a-token", PUBLIC),
    ("webform.status", "POST"): Route("/status/not-a-token", PUBLIC),
    ("webform.attachment", "GET"): Route("/status/not-a-token/attachments/{attachment}", PUBLIC),
    ("sla.index", "GET"): Route("/admin/sla/", Permission.SLA_MANAGE),
    ("sla.save_policy", "POST"): Route("/admin/sla/policies", Permission.SLA_MANAGE),
    ("sla.save_holiday", "POST"): Route("/admin/sla/holidays", Permission.SLA_MANAGE),
    ("sla.save_supervisors", "POST"): Route("/admin/sla/supervisors", Permission.SLA_MANAGE),
    ("sla.delete_holiday", "POST"): Route(
        "/admin/sla/holidays/2026-10-01/delete", Permission.SLA_MANAGE
    ),
    ("survey.respond", "GET"): Route("/s/not-a-token", PUBLIC),
    ("survey.respond", "POST"): Route("/s/not-a-token", PUBLIC),
    ("surveys.create_link", "POST"): Route("/cases/{case}/survey/link", Permission.CASES_WORK),
    ("surveys.record_phone", "POST"): Route("/cases/{case}/survey/phone", Permission.CASES_WORK),
    ("surveys.survey_figures", "GET"): Route("/surveys/figures", Permission.CASES_SUPERVISE),
    ("qa.overview", "GET"): Route("/qa/", Permission.QA_VIEW),
    ("qa.draw", "POST"): Route("/qa/draw", Permission.QA_REVIEW),
    ("qa.queue", "GET"): Route("/qa/queue", Permission.QA_REVIEW),
    ("qa.show", "GET"): Route("/qa/reviews/{review}", LOGIN, on_others=Permission.QA_VIEW),
    ("qa.claim", "POST"): Route("/qa/reviews/{review}/claim", Permission.QA_REVIEW),
    ("qa.score", "POST"): Route("/qa/reviews/{review}/score", Permission.QA_REVIEW),
    ("qa.acknowledge", "POST"): Route(
        "/qa/reviews/{review}/acknowledge", LOGIN, on_others=OWNER_ONLY
    ),
    ("qa.dispute", "POST"): Route("/qa/reviews/{review}/dispute", LOGIN, on_others=OWNER_ONLY),
    ("qa.decide", "POST"): Route("/qa/reviews/{review}/decide", Permission.QA_DECIDE),
    ("qa.disputes", "GET"): Route("/qa/disputes", Permission.QA_DECIDE),
    ("qa.mine", "GET"): Route("/qa/mine", LOGIN),
    ("qa.scorecard_list", "GET"): Route("/qa/scorecards", Permission.QA_VIEW),
    ("qa.scorecard", "GET"): Route("/qa/scorecards/{scorecard}", Permission.QA_VIEW),
    ("qa.new_scorecard", "GET"): Route("/qa/scorecards/new", Permission.QA_MANAGE),
    ("qa.new_scorecard", "POST"): Route("/qa/scorecards/new", Permission.QA_MANAGE),
    ("qa.edit_scorecard", "GET"): Route("/qa/scorecards/{scorecard}/edit", Permission.QA_MANAGE),
    ("qa.edit_scorecard", "POST"): Route("/qa/scorecards/{scorecard}/edit", Permission.QA_MANAGE),
    ("qa.rules", "GET"): Route("/qa/rules", Permission.QA_MANAGE),
    ("qa.rules", "POST"): Route("/qa/rules", Permission.QA_MANAGE),
    ("qa.rule_active", "POST"): Route("/qa/rules/{rule}/active", Permission.QA_MANAGE),
    ("qa.calibrations", "GET"): Route("/qa/calibrations", Permission.QA_REVIEW),
    ("qa.calibrations", "POST"): Route("/qa/calibrations", Permission.QA_REVIEW),
    ("qa.calibration_session", "GET"): Route(
        "/qa/calibrations/{calibration}", Permission.QA_REVIEW
    ),
    ("qa.close_calibration", "POST"): Route(
        "/qa/calibrations/{calibration}/close", Permission.QA_REVIEW
    ),
    ("qa.report", "GET"): Route("/qa/report", Permission.QA_VIEW),
    ("qa.report_xlsx", "GET"): Route("/qa/report.xlsx", Permission.QA_VIEW),
    ("api.openapi_json", "GET"): Route("/api/v1/openapi.json", PUBLIC),
    ("api.reference", "GET"): Route("/api/v1/docs", PUBLIC),
    ("tokens.index", "GET"): Route("/account/tokens/", LOGIN),
    ("tokens.index", "POST"): Route("/account/tokens/", LOGIN),
    ("tokens.revoke", "POST"): Route("/account/tokens/{token}/revoke", LOGIN, on_others=OWNER_ONLY),
    ("pop.screen_pop", "GET"): Route("/pop?phone=13800138000", Permission.CUSTOMERS_VIEW),
    ("reports.dashboard", "GET"): Route("/reports/", Permission.REPORTS_VIEW),
    ("reports.kpi", "GET"): Route("/reports/kpi/satisfaction", Permission.REPORTS_VIEW),
    ("reports.agents", "GET"): Route("/reports/agents", Permission.REPORTS_VIEW),
    ("reports.targets", "GET"): Route("/reports/targets", Permission.TARGETS_MANAGE),
    ("reports.targets", "POST"): Route("/reports/targets", Permission.TARGETS_MANAGE),
    ("reports.monthly_list", "GET"): Route("/reports/monthly", Permission.REPORTS_VIEW),
    ("reports.monthly", "GET"): Route("/reports/monthly/2026-10", Permission.REPORTS_VIEW),
    ("plans.actions", "GET"): Route("/plans/actions", Permission.REPORTS_VIEW),
    ("plans.new_action", "GET"): Route("/plans/actions/new", Permission.REPORTS_VIEW),
    ("plans.new_action", "POST"): Route("/plans/actions/new", Permission.REPORTS_VIEW),
    # Another agent owns the action: supervisors see it, other agents get 404.
    ("plans.action", "GET"): Route("/plans/actions/{improvement}", LOGIN, Permission.REPORTS_VIEW),
    ("plans.action_comment", "POST"): Route(
        "/plans/actions/{improvement}/comments", LOGIN, Permission.REPORTS_VIEW
    ),
    ("plans.action_outcome", "POST"): Route(
        "/plans/actions/{improvement}/outcome", LOGIN, Permission.REPORTS_VIEW
    ),
    ("plans.action_status", "POST"): Route(
        "/plans/actions/{improvement}/status", Permission.REPORTS_VIEW
    ),
    ("plans.plans", "GET"): Route("/plans/", Permission.REPORTS_VIEW),
    ("plans.create", "POST"): Route("/plans/", Permission.REPORTS_VIEW),
    ("plans.plan", "GET"): Route("/plans/2027", Permission.REPORTS_VIEW),
    ("plans.export", "GET"): Route(
        "/plans/2027/export?format=docx&lang=en", Permission.REPORTS_VIEW
    ),
    ("plans.edit", "GET"): Route("/plans/2027/edit", Permission.REPORTS_VIEW),
    ("plans.edit", "POST"): Route("/plans/2027/edit", Permission.REPORTS_VIEW),
    ("plans.approve", "POST"): Route("/plans/2027/approve", Permission.REPORTS_VIEW),
    ("plans.review", "GET"): Route("/plans/2027/review", Permission.REPORTS_VIEW),
    ("calls.report", "GET"): Route("/reports/calls?day=2026-10-08", Permission.REPORTS_VIEW),
    # The call pop every page of those who log contacts polls (crm/channels/call_views.py).
    ("calls.ringing", "GET"): Route("/calls/ringing", Permission.INTERACTIONS_LOG),
    ("knowledge.index", "GET"): Route("/knowledge/", Permission.KNOWLEDGE_VIEW),
    ("knowledge.article", "GET"): Route("/knowledge/{article}", Permission.KNOWLEDGE_VIEW),
    ("knowledge.edit", "GET"): Route("/knowledge/{article}/edit", Permission.KNOWLEDGE_EDIT),
    ("knowledge.edit", "POST"): Route("/knowledge/{article}/edit", Permission.KNOWLEDGE_EDIT),
    ("knowledge.versions", "GET"): Route(
        "/knowledge/{article}/versions", Permission.KNOWLEDGE_EDIT
    ),
    ("knowledge.submit", "POST"): Route("/knowledge/{article}/submit", Permission.KNOWLEDGE_EDIT),
    ("knowledge.publish", "POST"): Route(
        "/knowledge/{article}/publish", Permission.KNOWLEDGE_APPROVE
    ),
    ("knowledge.restore", "POST"): Route("/knowledge/{article}/restore", Permission.KNOWLEDGE_EDIT),
    ("knowledge.set_links", "POST"): Route("/knowledge/{article}/links", Permission.KNOWLEDGE_EDIT),
    ("knowledge.analytics", "GET"): Route("/knowledge/analytics", Permission.KNOWLEDGE_EDIT),
    ("knowledge.import_files", "GET"): Route("/knowledge/import", Permission.KNOWLEDGE_EDIT),
    ("knowledge.import_files", "POST"): Route("/knowledge/import", Permission.KNOWLEDGE_EDIT),
    ("knowledge.synonyms", "GET"): Route("/knowledge/synonyms", Permission.KNOWLEDGE_APPROVE),
    ("knowledge.synonyms", "POST"): Route("/knowledge/synonyms", Permission.KNOWLEDGE_APPROVE),
    ("knowledge.case_suggestions", "GET"): Route(
        "/knowledge/cases/{case}/suggestions", Permission.CASES_WORK
    ),
    ("knowledge.insert", "POST"): Route(
        "/knowledge/cases/{case}/insert/{article}", Permission.CASES_WORK
    ),
    ("knowledge.log_script", "GET"): Route(
        "/knowledge/customers/{customer}/script", Permission.INTERACTIONS_LOG
    ),
    ("help.index", "GET"): Route("/help/", PUBLIC),
    ("help.article", "GET"): Route("/help/{article}", PUBLIC),
    ("help.vote", "POST"): Route("/help/{article}/vote", PUBLIC),
    ("value.customer", "GET"): Route("/value/customers/{customer}", Permission.CUSTOMERS_EDIT),
    ("value.record_consent", "POST"): Route(
        "/value/customers/{customer}/consent", Permission.CUSTOMERS_EDIT
    ),
    ("value.set_care_date", "POST"): Route(
        "/value/customers/{customer}/care-date", Permission.CUSTOMERS_EDIT
    ),
    ("value.offer_outcome", "POST"): Route("/value/offers/{offer}/made", Permission.CUSTOMERS_EDIT),
    ("value.export", "POST"): Route(
        "/value/customers/{customer}/export", Permission.CUSTOMERS_EXPORT
    ),
    # Without the typed customer number the erasure is refused (a redirect, nothing erased).
    ("value.erase", "POST"): Route(
        "/value/customers/{customer}/erase", Permission.CUSTOMERS_MANAGE
    ),
    ("value.overview", "GET"): Route("/value/", Permission.REPORTS_VIEW),
    ("value.settings_page", "GET"): Route("/value/settings", Permission.CUSTOMERS_MANAGE),
    ("value.save_thresholds", "POST"): Route(
        "/value/settings/thresholds", Permission.CUSTOMERS_MANAGE
    ),
    ("value.save_segment", "POST"): Route(
        "/value/settings/segments/{segment_rule}", Permission.CUSTOMERS_MANAGE
    ),
    ("value.save_retention", "POST"): Route("/value/settings/retention", Permission.USERS_MANAGE),
    ("value.offer_rule", "GET"): Route("/value/offers/new", Permission.CUSTOMERS_MANAGE),
    ("value.offer_rule", "POST"): Route("/value/offers/new", Permission.CUSTOMERS_MANAGE),
    ("value.marketing", "GET"): Route("/value/marketing", Permission.CUSTOMERS_EXPORT),
    ("value.marketing_export", "POST"): Route(
        "/value/marketing/export", Permission.CUSTOMERS_EXPORT
    ),
    ("help.viewed", "POST"): Route("/help/{article}/viewed", PUBLIC),
    ("help.solved", "POST"): Route("/help/{article}/solved", PUBLIC),
    ("help.suggest_for_contact", "GET"): Route("/help/suggest", PUBLIC),
    ("knowledge.viewed", "POST"): Route("/knowledge/{article}/viewed", Permission.KNOWLEDGE_VIEW),
    ("knowledge.categories_page", "GET"): Route("/knowledge/categories", Permission.KNOWLEDGE_EDIT),
    ("knowledge.add_category", "POST"): Route("/knowledge/categories", Permission.KNOWLEDGE_EDIT),
    ("knowledge.rename_category", "POST"): Route(
        "/knowledge/categories/{subcategory}/rename", Permission.KNOWLEDGE_EDIT
    ),
    ("knowledge.delete_category", "POST"): Route(
        "/knowledge/categories/{subcategory}/delete", Permission.KNOWLEDGE_EDIT
    ),
    # Retiring a scorecard after the pages that use it.
    ("qa.scorecard_active", "POST"): Route(
        "/qa/scorecards/{scorecard}/active", Permission.QA_MANAGE
    ),
    # Deleting and restoring last, so the loop's other requests see a live customer.
    ("customers.delete", "POST"): Route(
        "/customers/{customer}/delete", Permission.CUSTOMERS_MANAGE
    ),
    ("customers.restore", "POST"): Route(
        "/customers/{customer}/restore", Permission.CUSTOMERS_MANAGE
    ),
}


#: API operations authenticate by token, not session: tests/api has their own matrix
API_OPERATIONS = {f"api.{operation.endpoint}" for operation in OPERATIONS}


def routes_in(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and rule.endpoint not in API_OPERATIONS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry_in_the_matrix(app: Flask) -> None:
    assert routes_in(app) == set(MATRIX)


def test_protected_views_declare_the_permission_of_the_matrix(app: Flask) -> None:
    for (endpoint, _method), route in MATRIX.items():
        declared = getattr(app.view_functions[endpoint], "required_permission", None)
        expected = route.access if isinstance(route.access, Permission) else None
        assert declared == expected, endpoint


def _request(client, method: str, path: str, token: str):
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": token})
    # A file sent from disk stays open until its body is read or closed.
    response.close()
    return response


@pytest.fixture
def objects(app: Flask) -> dict[str, int]:
    """Objects belonging to someone other than the signed-in user, for the paths."""
    with app.app_context():
        other = make_user(username="target.user", roles=["agent"])
        customer = make_customer(actor=other)
        interaction = make_interaction(customer=customer, actor=other)
        saved = save_filter(actor=other, name="mine", params={"tier": "key"})
        boss = make_user(username="import.boss", roles=["supervisor"])
        batch, _table = start_import(
            actor=boss, filename="a.csv", data="姓名,手机\n张三,13800138000\n".encode()
        )
        plan = make_plan(actor=boss, customer=customer, assignee=other)
        task = make_task(plan)
        notification_id = notify_user(other)
        trainer = make_user(username="session.trainer", roles=["trainer"])
        training = make_session(actor=trainer, invited=[other])
        topic = db.session.scalar(select(TrainingTopic.id).limit(1))
        case = open_case(
            actor=other, customer=customer, subject="故障", category="tech_support", now=utcnow()
        )
        mail = queue_mail(
            case_id=case.id,
            kind="reply",
            to_address="x@example.cn",
            subject="s",
            body="b",
            now=utcnow(),
        )
        attachment = store(
            case_id=case.id, message_id=None, filename="照片.png", stream=io.BytesIO(b"png")
        )
        scorecard = db.session.scalar(select(Scorecard).limit(1))
        review = Review(
            interaction_id=interaction.id,
            agent_id=other.id,
            scorecard_version_id=scorecard.current.id,
            reason="random",
        )
        rule = TrainingRule(criterion_code="greeting", below_percent=50, topic_id=topic)
        db.session.add_all([review, rule])
        qa_one = make_user(username="qa.one", roles=["qa"])
        qa_two = make_user(username="qa.two", roles=["qa"])
        calibration = create_session(
            actor=qa_one,
            title="校准",
            interaction=interaction,
            scorecard=scorecard,
            reviewers=[qa_one, qa_two],
            now=utcnow(),
        )
        api_token, _raw = create_token(actor=other, name="电话系统", now=utcnow())
        merge = merge_customers(
            actor=boss, source=make_customer(actor=other, name="重复"), target=customer
        )
        article = make_article(actor=boss, title="退款流程", audience="public")
        team = create_team(actor=boss, department="service", name="一组", leader=boss)
        set_members(actor=boss, team=team, user_ids={other.id})
        improvement = create_action(
            actor=boss,
            data=ActionInput(
                "晨会复盘",
                "",
                "kpi",
                "",
                "satisfaction",
                None,
                other.id,
                date(2026, 11, 1),
                date(2026, 11, 30),
            ),
            now=utcnow(),
        )
        create_plan(actor=boss, label="2027", now=utcnow())
        offer_rule = make_offer_rule(actor=boss)
        offer = Offer(rule_id=offer_rule.id, customer_id=customer.id, status="proposed")
        db.session.add(offer)
        subcategory = add_subcategory(actor=boss, category="after_sales", name="退款")
        db.session.commit()
        return {
            "team": team.id,
            "improvement": improvement.id,
            "offer": offer.id,
            "segment_rule": db.session.scalar(select(SegmentRule.id).limit(1)),
            "article": article.id,
            "subcategory": subcategory.id,
            "token": api_token.id,
            "review": review.id,
            "scorecard": scorecard.id,
            "rule": rule.id,
            "calibration": calibration.id,
            "other": other.id,
            "customer": customer.id,
            "interaction": interaction.id,
            "saved": saved.id,
            "batch": batch.id,
            "plan": plan.id,
            "task": task.id,
            "notification": notification_id,
            "session": training.id,
            "topic": topic,
            "case": case.id,
            "attachment": attachment.id,
            "mail": mail.id,
            "merge": merge.id,
        }


def test_anonymous_users_reach_only_public_routes(app, client, objects) -> None:
    token = csrf_token(client)
    for (endpoint, method), route in MATRIX.items():
        response = _request(client, method, route.path.format(**objects), token)
        if route.access == PUBLIC:
            assert response.status_code not in (401, 403), endpoint
        else:
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/login"), endpoint


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_gets_403_exactly_where_it_lacks_the_permission(
    app, client, login_as, objects, role
) -> None:
    login_as(role.value)
    token = csrf_token(client, "/account")
    granted = ROLE_PERMISSIONS[role]
    wrong = []
    for (endpoint, method), route in MATRIX.items():
        if endpoint == "auth.logout":
            continue  # signing out would end the session the rest of the loop needs
        response = _request(client, method, route.path.format(**objects), token)
        # Someone else's object may also answer 404 where its existence is not to be confirmed.
        denied = response.status_code == 403 or (
            route.on_others is not None and response.status_code == 404
        )
        needed = {route.access, route.on_others} - {PUBLIC, LOGIN, None}
        should_deny = not needed <= granted
        if denied != should_deny or response.status_code >= 500:
            wrong.append((endpoint, method, response.status_code))
    assert wrong == []


def test_an_unknown_user_id_is_404_for_an_admin(client, login_as) -> None:
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404


def test_no_get_route_changes_the_database(app, client, login_as, objects) -> None:
    login_as("admin")

    def snapshot() -> dict[str, list[tuple]]:
        with app.app_context():
            return {
                table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
                for table in db.metadata.sorted_tables
                # Rate-limit counters are the one thing a GET may add: they count requests.
                if table.name != "rate_events"
            }

    before = snapshot()
    for (endpoint, method), route in MATRIX.items():
        if method == "GET":
            response = client.get(route.path.format(**objects))
            response.close()
            assert response.status_code < 500, endpoint
    assert snapshot() == before


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
    app, client, login_as, objects
) -> None:
    login_as("admin")
    with app.app_context():
        audit_rows = db.session.execute(db.text("SELECT count(*) FROM audit_entries")).scalar()
    for (endpoint, method), route in MATRIX.items():
        if method != "GET":
            response = client.post(route.path.format(**objects), data={"active": "0"})
            assert response.status_code == 400, endpoint
    with app.app_context():
        after = db.session.execute(db.text("SELECT count(*) FROM audit_entries")).scalar()
    assert after == audit_rows
    assert client.get("/").status_code == 200  # still signed in: logout was refused too


def test_a_deleted_customer_is_404_for_agents_but_visible_to_supervisors(app, objects) -> None:
    with app.app_context():
        supervisor = make_user(username="boss", roles=["supervisor"])
        customer = db.session.get(Customer, objects["customer"])
        delete_customer(actor=supervisor, customer=customer)
        db.session.commit()
    agent, boss = app.test_client(), app.test_client()
    login(agent, "target.user")
    login(boss, "boss")
    for path in ("/customers/{customer}", "/customers/{customer}/timeline"):
        assert agent.get(path.format(**objects)).status_code == 404
        assert boss.get(path.format(**objects)).status_code == 200
    assert agent.get("/interactions/{interaction}/edit".format(**objects)).status_code == 404
