"""Application settings: the only module that reads environment variables (prefix ``CRM_``).

``Config.from_env()`` picks the class named by ``CRM_ENV``, applies every ``CRM_*`` variable
it knows, and validates the result so that a mistake stops the start with a sentence that
names the variable, rather than surfacing later as a stack trace.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The development secret key; production refuses to start with it.
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105
SUPPORTED_LOCALES = ("zh_Hans_CN", "en")
MIN_PRODUCTION_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable and the fix."""


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}.")


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number greater than 0, got {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be a whole number greater than 0, got {raw!r}.")
    return value


def _non_negative_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name} must be a whole number of 0 or more, got {raw!r}.")
    return value


def _megabytes(name: str, raw: str) -> int:
    """A size given in whole megabytes, kept in bytes."""
    return _positive_int(name, raw) * 1024 * 1024


def _qa_period(name: str, raw: str) -> str:
    if raw.strip() not in {"month", "week"}:
        raise ConfigError(f"{name} must be month or week, got {raw!r}.")
    return raw.strip()


def _log_format(name: str, raw: str) -> str:
    if raw.strip() not in {"text", "json"}:
        raise ConfigError(f"{name} must be text or json, got {raw!r}.")
    return raw.strip()


def _percentage(name: str, raw: str) -> float:
    """A share given as 85 or 85% or 0.85."""
    try:
        value = float(raw.strip().rstrip("%"))
    except ValueError:
        value = -1.0
    if value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a percentage such as 85 or 85%, got {raw!r}.")
    return value


def _hours(name: str, raw: str) -> str:
    """Opening hours as HH:MM-HH:MM, opening before closing."""
    try:
        opens, closes = (datetime.strptime(part.strip(), "%H:%M").time() for part in raw.split("-"))
    except ValueError:
        raise ConfigError(f"{name} must look like 09:00-18:00, got {raw!r}.") from None
    if opens >= closes:
        raise ConfigError(f"{name} must open before it closes, got {raw!r}.")
    return f"{opens:%H:%M}-{closes:%H:%M}"


def _locale(name: str, raw: str) -> str:
    if raw not in SUPPORTED_LOCALES:
        raise ConfigError(f"{name} must be one of {', '.join(SUPPORTED_LOCALES)}, got {raw!r}.")
    return raw


def _timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name} must be an IANA time zone such as Asia/Shanghai, got {raw!r}."
        ) from None
    return raw


def _database_url(name: str, raw: str) -> str:
    url = raw.strip()
    # Accept the URL form most hosting panels print; psycopg 3 is the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("sqlite:///", "postgresql+psycopg://")):
        return url
    raise ConfigError(
        f"{name} must be a sqlite:/// or postgresql:// URL, got {url.split(':', 1)[0]!r} scheme."
    )


def _text(name: str, raw: str) -> str:
    if not raw.strip():
        raise ConfigError(f"{name} is set but empty.")
    return raw


#: environment variable -> (config key, parser)
ENV_SETTINGS: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "CRM_SECRET_KEY": ("SECRET_KEY", _text),
    "CRM_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", _database_url),
    "CRM_DEBUG": ("DEBUG", _parse_bool),
    "CRM_DEFAULT_LOCALE": ("BABEL_DEFAULT_LOCALE", _locale),
    "CRM_DEFAULT_TIMEZONE": ("BABEL_DEFAULT_TIMEZONE", _timezone),
    "CRM_SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", _positive_int),
    "CRM_SESSION_MAX_HOURS": ("SESSION_MAX_HOURS", _positive_int),
    "CRM_LOGIN_MAX_FAILURES": ("LOGIN_MAX_FAILURES", _positive_int),
    "CRM_LOGIN_MAX_FAILURES_PER_ADDRESS": ("LOGIN_MAX_FAILURES_PER_ADDRESS", _positive_int),
    "CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT": ("LOGIN_MAX_FAILURES_PER_ACCOUNT", _positive_int),
    "CRM_LOGIN_WINDOW_MINUTES": ("LOGIN_WINDOW_MINUTES", _positive_int),
    "CRM_LOGIN_BACKOFF_SECONDS": ("LOGIN_BACKOFF_SECONDS", _positive_int),
    "CRM_LOGIN_BACKOFF_MAX_MINUTES": ("LOGIN_BACKOFF_MAX_MINUTES", _positive_int),
    "CRM_LOGIN_KNOWN_CLIENT_DAYS": ("LOGIN_KNOWN_CLIENT_DAYS", _positive_int),
    "CRM_PASSWORD_MIN_LENGTH": ("PASSWORD_MIN_LENGTH", _positive_int),
    "CRM_SECURE_COOKIES": ("SESSION_COOKIE_SECURE", _parse_bool),
    "CRM_REQUIRE_2FA": ("REQUIRE_2FA", _parse_bool),
    "CRM_TRUSTED_PROXIES": ("TRUSTED_PROXIES", _non_negative_int),
    "CRM_CALLBACK_HORIZON_DAYS": ("CALLBACK_HORIZON_DAYS", _positive_int),
    "CRM_CALLBACK_RETRIES": ("CALLBACK_RETRIES", _non_negative_int),
    "CRM_CALLBACK_OVERDUE_WORKING_DAYS": ("CALLBACK_OVERDUE_WORKING_DAYS", _non_negative_int),
    "CRM_TRAINING_PASS_TARGET": ("TRAINING_PASS_TARGET", _percentage),
    "CRM_TRAINING_MAX_ATTEMPTS": ("TRAINING_MAX_ATTEMPTS", _positive_int),
    "CRM_TRAINING_CERTIFICATE_MONTHS": ("TRAINING_CERTIFICATE_MONTHS", _positive_int),
    "CRM_TRAINING_REMINDER_DAYS": ("TRAINING_REMINDER_DAYS", _positive_int),
    "CRM_BUSINESS_HOURS": ("BUSINESS_HOURS", _hours),
    "CRM_CHINESE_HOLIDAYS": ("CHINESE_HOLIDAYS", _parse_bool),
    "CRM_SLA_WARNING_SHARE": ("SLA_WARNING_SHARE", _percentage),
    "CRM_REOPEN_DAYS": ("REOPEN_DAYS", _positive_int),
    "CRM_SURVEY_EXPIRY_DAYS": ("SURVEY_EXPIRY_DAYS", _positive_int),
    "CRM_SURVEY_LOW_SCORE": ("SURVEY_LOW_SCORE", _positive_int),
    "CRM_SURVEY_RATE_LIMIT": ("SURVEY_RATE_LIMIT", _positive_int),
    "CRM_QA_SAMPLE_PERIOD": ("QA_SAMPLE_PERIOD", _qa_period),
    "CRM_QA_QUOTA": ("QA_QUOTA", _non_negative_int),
    "CRM_QA_NEW_AGENT_QUOTA": ("QA_NEW_AGENT_QUOTA", _non_negative_int),
    "CRM_QA_NEW_AGENT_DAYS": ("QA_NEW_AGENT_DAYS", _non_negative_int),
    "CRM_QA_FOLLOW_UP_EXTRA": ("QA_FOLLOW_UP_EXTRA", _non_negative_int),
    "CRM_QA_DISPUTE_DAYS": ("QA_DISPUTE_DAYS", _positive_int),
    "CRM_DB_LOCK_TIMEOUT_SECONDS": ("DB_LOCK_TIMEOUT_SECONDS", _positive_int),
    "CRM_BACKUP_DIR": ("BACKUP_DIR", _text),
    "CRM_BACKUP_KEEP": ("BACKUP_KEEP", _positive_int),
    "CRM_NOTIFICATION_DIGEST_THRESHOLD": ("NOTIFICATION_DIGEST_THRESHOLD", _positive_int),
    "CRM_NOTIFICATION_DIGEST_WINDOW_SECONDS": ("NOTIFICATION_DIGEST_WINDOW_SECONDS", _positive_int),
    "CRM_NOTIFICATION_DIGEST_HOUR": ("NOTIFICATION_DIGEST_HOUR", _non_negative_int),
    "CRM_SMTP_HOST": ("SMTP_HOST", _text),
    "CRM_SMTP_PORT": ("SMTP_PORT", _positive_int),
    "CRM_SMTP_USER": ("SMTP_USER", _text),
    "CRM_SMTP_PASSWORD": ("SMTP_PASSWORD", _text),
    "CRM_SMTP_FROM": ("SMTP_FROM", _text),
    "CRM_SMTP_STARTTLS": ("SMTP_STARTTLS", _parse_bool),
    "CRM_MAX_UPLOAD_MB": ("MAX_CONTENT_LENGTH", _megabytes),
    "CRM_PUBLIC_URL": ("PUBLIC_URL", _text),
    "CRM_MAIL_ADDRESS": ("MAIL_ADDRESS", _text),
    "CRM_IMAP_HOST": ("IMAP_HOST", _text),
    "CRM_IMAP_PORT": ("IMAP_PORT", _positive_int),
    "CRM_IMAP_USER": ("IMAP_USER", _text),
    "CRM_IMAP_PASSWORD": ("IMAP_PASSWORD", _text),
    "CRM_IMAP_TLS": ("IMAP_TLS", _parse_bool),
    "CRM_IMAP_FOLDER": ("IMAP_FOLDER", _text),
    "CRM_AUTO_MAILS_PER_HOUR": ("AUTO_MAILS_PER_HOUR", _positive_int),
    "CRM_OUTBOX_MAX_ATTEMPTS": ("OUTBOX_MAX_ATTEMPTS", _positive_int),
    "CRM_ATTACHMENT_MAX_MB": ("ATTACHMENT_MAX_BYTES", _megabytes),
    "CRM_ATTACHMENT_DIR": ("ATTACHMENT_DIR", _text),
    "CRM_CONTACT_FORM_RATE_LIMIT": ("CONTACT_FORM_RATE_LIMIT", _positive_int),
    "CRM_MISSED_CALL_CALLBACK_MINUTES": ("MISSED_CALL_CALLBACK_MINUTES", _positive_int),
    "CRM_IMPORT_MAX_ROWS": ("IMPORT_MAX_ROWS", _positive_int),
    "CRM_IMPORT_CHUNK_ROWS": ("IMPORT_CHUNK_ROWS", _positive_int),
    "CRM_JOB_STALE_SECONDS": ("JOB_STALE_SECONDS", _positive_int),
    "CRM_SCHEDULER_LEADER_POLL_SECONDS": ("SCHEDULER_LEADER_POLL_SECONDS", _positive_int),
    "CRM_LOG_FORMAT": ("LOG_FORMAT", _log_format),
    "CRM_METRICS_TOKEN": ("METRICS_TOKEN", _text),
    "CRM_IMPORT_MAX_CELL_CHARS": ("IMPORT_MAX_CELL_CHARS", _positive_int),
    "CRM_IMPORT_MAX_UNZIPPED_MB": ("IMPORT_MAX_UNZIPPED_BYTES", _megabytes),
}


class Config:
    """Development defaults: SQLite in ``instance/crm.db``, plain-HTTP cookies on 127.0.0.1."""

    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    SECRET_KEY = DEV_SECRET_KEY
    # Relative SQLite paths resolve inside Flask's instance folder.
    SQLALCHEMY_DATABASE_URI = "sqlite:///crm.db"
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12
    #: failures of one account from one client address before that client waits (issue 19)
    LOGIN_MAX_FAILURES = 5
    #: failures from one client address, over all accounts, before it waits
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    #: failures of one account from all clients before clients it has not seen wait
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 100
    #: how long failures are remembered (and kept before the scheduler prunes them)
    LOGIN_WINDOW_MINUTES = 60
    #: the first wait past a limit; it doubles with each further failure...
    LOGIN_BACKOFF_SECONDS = 30
    #: ...up to this
    LOGIN_BACKOFF_MAX_MINUTES = 10
    #: a client that signed in to an account this recently is never slowed by others' failures
    LOGIN_KNOWN_CLIENT_DAYS = 30
    PASSWORD_MIN_LENGTH = 10
    #: administrators and supervisors must sign in with a second factor (TOTP)
    REQUIRE_2FA = False
    TRUSTED_PROXIES = 0
    #: the scheduler makes callback tasks this many days ahead
    CALLBACK_HORIZON_DAYS = 30
    #: further attempts, on the next working days, after a customer was not reached
    CALLBACK_RETRIES = 2
    #: working days after its due date before an open callback is reported to the supervisor
    CALLBACK_OVERDUE_WORKING_DAYS = 1
    #: share of people who sat an exam that should pass it (培训合格率目标)
    TRAINING_PASS_TARGET = 0.85
    #: exam attempts allowed per person and session (the first one and retakes)
    TRAINING_MAX_ATTEMPTS = 3
    #: how long passing the onboarding exam certifies an agent
    TRAINING_CERTIFICATE_MONTHS = 12
    #: remind the agent and the trainer this many days before a certificate expires
    TRAINING_REMINDER_DAYS = 30
    #: opening hours for SLA policies that count business hours only (working days: Mon-Fri
    #: unless the holiday table says otherwise)
    BUSINESS_HOURS = "09:00-18:00"
    #: working days follow the Chinese public holidays and 调休 (the chinese-calendar package);
    #: the holiday table's entries win; off: Monday to Friday with the holiday table only
    CHINESE_HOLIDAYS = True
    #: share of an SLA's time used after which a case is flagged as about to breach
    SLA_WARNING_SHARE = 0.8
    #: days after resolution within which a case can be reopened (and counts against itself)
    REOPEN_DAYS = 7
    #: days a survey link stays valid
    SURVEY_EXPIRY_DAYS = 7
    #: a rating at or below this opens a follow-up complaint case
    SURVEY_LOW_SCORE = 2
    #: requests to the public survey pages per client address per 10 minutes
    SURVEY_RATE_LIMIT = 30
    #: QA sampling period: "month" or "week"
    QA_SAMPLE_PERIOD = "month"
    #: interactions drawn at random per agent and period
    QA_QUOTA = 5
    #: the quota of an agent in their first QA_NEW_AGENT_DAYS
    QA_NEW_AGENT_QUOTA = 10
    QA_NEW_AGENT_DAYS = 90
    #: extra interactions drawn in the period after a review assigned the agent training
    QA_FOLLOW_UP_EXTRA = 3
    #: days after a review is submitted during which its agent may dispute it
    QA_DISPUTE_DAYS = 7
    #: how long a request waits for a lock another writer holds before the user is told the
    #: database is busy (SQLite busy timeout, PostgreSQL lock_timeout)
    DB_LOCK_TIMEOUT_SECONDS = 15
    #: folder of the scheduler's daily SQLite backups; off while empty
    BACKUP_DIR = ""
    #: daily backups kept (the newest ones)
    BACKUP_KEEP = 7
    #: more new notices of one kind for one person than this come as one digest ...
    NOTIFICATION_DIGEST_THRESHOLD = 5
    #: ... within this many seconds (a scheduler run, which may notify case by case)
    NOTIFICATION_DIGEST_WINDOW_SECONDS = 120
    #: the hour (in each person's zone) from which their daily digest e-mail is sent
    NOTIFICATION_DIGEST_HOUR = 8
    #: e-mail of notifications; off while SMTP_HOST is empty
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_FROM = "crm@localhost"
    SMTP_STARTTLS = False
    #: where customers reach this site: the links in e-mails the scheduler sends (status pages)
    PUBLIC_URL = "http://127.0.0.1:5000"
    #: the service desk's address: customers write to it, and replies come back to it
    MAIL_ADDRESS = "support@localhost"
    #: the mailbox new e-mails are fetched from every minute; off while IMAP_HOST is empty
    IMAP_HOST = ""
    IMAP_PORT = 993
    IMAP_USER = ""
    IMAP_PASSWORD = ""
    #: IMAP over TLS (port 993); False only for a server on loopback
    IMAP_TLS = True
    IMAP_FOLDER = "INBOX"
    #: automatic e-mails (acknowledgements) to one address per hour at most: a mail loop with
    #: another robot stops here
    AUTO_MAILS_PER_HOUR = 5
    #: sends of one e-mail before it is given up and shown as failed on its case
    OUTBOX_MAX_ATTEMPTS = 8
    #: largest attachment, by e-mail, contact form or reply
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    #: where attachments are stored; empty: the instance folder's ``attachments``. Several
    #: hosts share one (a network file system), as they share the database
    ATTACHMENT_DIR = ""
    #: contact form submissions per client address per hour
    CONTACT_FORM_RATE_LIMIT = 5
    #: a missed call is called back within this many minutes
    MISSED_CALL_CALLBACK_MINUTES = 60
    SESSION_COOKIE_NAME = "crm_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # The cookie is re-sent when the session changes (at most once a minute, see
    # auth/sessions.py), not with every answer; the time limits are checked on the server.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    #: largest request body; a longer one is refused (413) on its declared length, unread
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    #: largest form field kept in memory (the longest text field takes 20,000 characters) and
    #: most fields in one form; files are spooled to disk, not held here
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_FORM_PARTS = 1000
    #: pages, JSON and uncompressed assets go out compressed (Flask-Compress): brotli where the
    #: browser takes it, else gzip. Streamed answers (CSV exports) are left as they are: their
    #: rows are written while read from the database, and the static files come gzipped already
    COMPRESS_ALGORITHM = ("br", "gzip")
    COMPRESS_MIMETYPES = (
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    )
    COMPRESS_STREAMS = False
    #: imported files (customers, exam results): data rows, characters in a cell (Excel's own
    #: limit), and what an XLSX may unpack to; the readers stop at the first one passed
    IMPORT_MAX_ROWS = 200_000
    IMPORT_MAX_CELL_CHARS = 32_767
    IMPORT_MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
    #: rows an import plans and commits per transaction (its checkpoint after each)
    IMPORT_CHUNK_ROWS = 5000
    #: a running background job silent this long is taken to have lost its worker and is
    #: claimed again (well above the time one chunk of work takes)
    JOB_STALE_SECONDS = 120
    #: how often a standby scheduler tries the leader lock, and the leader checks it still
    #: holds it: a standby takes over this long after the leader's lock is freed
    SCHEDULER_LEADER_POLL_SECONDS = 10
    #: the app's log lines (each with its request id): "text", or "json" (one object a line)
    LOG_FORMAT = "text"
    #: the bearer token a Prometheus scraper sends for /metrics; empty: /metrics is off (404)
    METRICS_TOKEN = ""

    def __init__(self, **overrides: Any) -> None:
        for key, value in overrides.items():
            setattr(self, key.upper(), value)

    @property
    def PERMANENT_SESSION_LIFETIME(self) -> timedelta:  # noqa: N802 - Flask's key name
        return timedelta(hours=self.SESSION_MAX_HOURS)

    @property
    def SQLALCHEMY_ENGINE_OPTIONS(self) -> dict[str, Any]:  # noqa: N802 - Flask's key name
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            # The busy timeout is also set per connection; this covers the connect itself.
            return {"connect_args": {"timeout": self.DB_LOCK_TIMEOUT_SECONDS}}
        lock_timeout_ms = self.DB_LOCK_TIMEOUT_SECONDS * 1000
        return {
            "pool_pre_ping": True,
            "connect_args": {
                "options": f"-c lock_timeout={lock_timeout_ms}",
                "connect_timeout": self.DB_LOCK_TIMEOUT_SECONDS,
            },
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build and validate the configuration named by ``CRM_ENV`` from ``CRM_*`` variables.

        :raises ConfigError: when a variable is malformed or the result is unsafe.
        """
        environ = os.environ if environ is None else environ
        env_name = environ.get("CRM_ENV", "development")
        classes = {c.ENV_NAME: c for c in (Config, ProductionConfig, TestConfig)}
        if env_name not in classes:
            raise ConfigError(f"CRM_ENV must be one of {', '.join(classes)}, got {env_name!r}.")
        overrides = {
            key: parse(name, environ[name])
            for name, (key, parse) in ENV_SETTINGS.items()
            if name in environ
        }
        config = classes[env_name](**overrides)
        config.validate()
        return config

    def validate(self) -> None:
        """:raises ConfigError: when the settings are inconsistent."""
        if self.SESSION_IDLE_MINUTES > self.SESSION_MAX_HOURS * 60:
            raise ConfigError(
                "CRM_SESSION_IDLE_MINUTES must not exceed CRM_SESSION_MAX_HOURS x 60."
            )


class ProductionConfig(Config):
    """Behind HTTPS: secure cookies, and no start with a guessable key or the debugger on."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REQUIRE_2FA = True
    SECRET_KEY = ""

    def validate(self) -> None:
        super().validate()
        if self.DEBUG:
            raise ConfigError("CRM_DEBUG must be off in production (CRM_ENV=production).")
        if self.SECRET_KEY == DEV_SECRET_KEY or len(self.SECRET_KEY) < MIN_PRODUCTION_SECRET_LENGTH:
            raise ConfigError(
                "CRM_SECRET_KEY must be set to a random value of at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters in production, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )


class TestConfig(Config):
    """For the test suite; CSRF stays on, because tests must prove it."""

    __test__ = False  # not a pytest class
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    # Hashing cost is what makes argon2 slow on purpose; tests check behaviour, not cost.
    ARGON2_FAST = True
    # Tests fix their working days through the holiday table; the tests of the Chinese
    # calendar itself turn it on.
    CHINESE_HOLIDAYS = False
