"""The customer-service CRM: ``create_app`` builds the Flask application and nothing more."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask
from flask_login import current_user
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from crm.api.routes import bp as api_bp
from crm.api.token_views import bp as tokens_bp
from crm.audit.views import bp as audit_bp
from crm.auth.forms import LANGUAGE_CHOICES
from crm.auth.permissions import ROLE_LABELS, Permission, Role, permissions_for
from crm.auth.sessions import signed_in_user
from crm.auth.two_factor_views import bp as two_factor_bp
from crm.auth.user_admin import bp as users_bp
from crm.auth.views import bp as auth_bp
from crm.callbacks.models import CADENCE_LABELS, TASK_REASON_LABELS, TASK_STATUS_LABELS
from crm.callbacks.views import bp as callbacks_bp
from crm.cases.settings_views import bp as sla_bp
from crm.cases.views import bp as cases_bp
from crm.channels.call_views import bp as calls_bp
from crm.channels.settings_views import bp as case_settings_bp
from crm.channels.views import bp as channels_bp
from crm.channels.webform import public as webform_bp
from crm.cli import register_commands
from crm.contingency.views import bp as contingency_bp
from crm.core.assets import register_assets
from crm.core.errors import register_error_pages
from crm.core.header import page_header
from crm.core.home import bp as home_bp
from crm.core.ids import IdConverter
from crm.core.limits import file_size
from crm.core.nav import nav_html
from crm.core.views import bp as core_bp
from crm.customers.models import TIER_LABELS
from crm.customers.phones import display_phone
from crm.customers.views import bp as customers_bp
from crm.customers.views.imports import bp as imports_bp
from crm.customers.views.pop import bp as pop_bp
from crm.database import sqlite_pragmas, utcnow
from crm.extensions import babel, compress, csrf, db, login_manager, migrate
from crm.forms import use_fast_html_params
from crm.i18n import (
    HTML_LANG,
    TextJSONProvider,
    countdown,
    current_language,
    duration,
    install_template_translations,
    select_locale,
    select_timezone,
)
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import CATEGORY_LABELS, CHANNEL_LABELS, DIRECTION_LABELS
from crm.interactions.views import bp as interactions_bp
from crm.knowledge.views import bp as knowledge_bp
from crm.knowledge.views import public as help_bp
from crm.logs import register_logging
from crm.metrics import bp as metrics_bp
from crm.metrics import register_metrics
from crm.notifications.inbox import UNREAD_BADGE_CAP
from crm.notifications.views import bp as notifications_bp
from crm.plans.routes import bp as plans_bp
from crm.qa.views import bp as qa_bp
from crm.reports.views import bp as reports_bp
from crm.security import register_security
from crm.surveys.views import public as survey_public_bp
from crm.surveys.views import staff as surveys_bp
from crm.teams.views import bp as teams_bp
from crm.timezones import MonthSwitch, format_date, format_datetime
from crm.training.views import bp as training_bp
from crm.value import admin_views as _value_admin_views  # noqa: F401 - its routes join value_bp
from crm.value.models import CARE_LABELS, OFFER_STATUS_LABELS
from crm.value.models import CHANNEL_LABELS as CONSENT_CHANNEL_LABELS
from crm.value.models import SOURCE_LABELS as CONSENT_SOURCE_LABELS
from crm.value.views import bp as value_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | None = None) -> Flask:
    """Build the app from ``config`` (by default from ``CRM_*`` environment variables).

    It registers extensions, blueprints, error pages and commands; it migrates nothing and
    starts no thread.
    """
    app = Flask(__name__)
    app.config.from_object(config or Config.from_env())
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    # First, so that the request id is set before any other hook may log.
    register_logging(app)
    register_metrics(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            busy_timeout_ms = app.config["DB_LOCK_TIMEOUT_SECONDS"] * 1000
            event.listen(db.engine, "connect", sqlite_pragmas(busy_timeout_ms))
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    compress.init_app(app)
    use_fast_html_params()
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_translations(app)
    app.json = TextJSONProvider(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"


def register_blueprints(app: Flask) -> None:
    # Before any rule is added: every ``<int:...>`` id in a path is then a 64-bit id or a 404.
    app.url_map.converters["int"] = IdConverter
    blueprints = (
        core_bp,
        auth_bp,
        two_factor_bp,
        users_bp,
        audit_bp,
        customers_bp,
        imports_bp,
        interactions_bp,
        callbacks_bp,
        notifications_bp,
        training_bp,
        cases_bp,
        channels_bp,
        case_settings_bp,
        calls_bp,
        webform_bp,
        survey_public_bp,
        surveys_bp,
        sla_bp,
        qa_bp,
        api_bp,
        tokens_bp,
        pop_bp,
        reports_bp,
        contingency_bp,
        plans_bp,
        knowledge_bp,
        help_bp,
        teams_bp,
        value_bp,
        metrics_bp,
        # Last: it adds a URL for each home section the blueprints above registered.
        home_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    register_error_pages(app)
    register_security(app)
    register_assets(app)


@cache
def _label_tables(locale: str) -> dict[str, dict[str, str]]:
    """The value-to-label tables templates read, translated once per language: a timeline page
    would otherwise translate the same few labels again for every entry. Called while
    ``locale`` is the active language."""
    tables = {
        "role_labels": ROLE_LABELS,
        "tier_labels": TIER_LABELS,
        "category_labels": CATEGORY_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "direction_labels": DIRECTION_LABELS,
        "cadence_labels": CADENCE_LABELS,
        "task_reason_labels": TASK_REASON_LABELS,
        "task_status_labels": TASK_STATUS_LABELS,
        "consent_channels": CONSENT_CHANNEL_LABELS,
        "consent_source_labels": CONSENT_SOURCE_LABELS,
        "care_labels": CARE_LABELS,
        "offer_status_labels": OFFER_STATUS_LABELS,
    }
    return {
        name: {member.value: str(label) for member, label in table.items()}
        for name, table in tables.items()
    }


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["phone"] = display_phone
    # In place of Flask-Babel's filters of the same names: the same text, several times faster.
    app.jinja_env.filters["datetimeformat"] = format_datetime
    app.jinja_env.filters["dateformat"] = format_date
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["countdown"] = countdown
    app.jinja_env.filters["filesize"] = file_size
    # The previous / this / next month links of reports, from the month a page shows.
    app.jinja_env.globals["month_switch"] = lambda month: MonthSwitch.around(month, utcnow())

    @app.context_processor
    def template_helpers() -> dict[str, object]:
        signed_in = current_user.is_authenticated
        granted = permissions_for(current_user.roles) if signed_in else frozenset()

        def can(permission: str) -> bool:
            return Permission(permission) in granted

        locale = current_language().locale
        return {
            "can": can,
            "roles_in_order": [role.value for role in Role],
            "html_lang": HTML_LANG,
            "current_locale": locale,
            "language_choices": LANGUAGE_CHOICES,
            **_label_tables(locale),
            "page_header": (lambda: page_header(signed_in_user())) if signed_in else None,
            "unread_badge_cap": UNREAD_BADGE_CAP,
            "main_nav_html": (lambda badges: nav_html(granted, badges)) if signed_in else None,
        }
