"""Settings come from CRM_* variables and a mistake stops the start with a clear sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEV_SECRET_KEY, Config, ConfigError, ProductionConfig, TestConfig

GOOD_SECRET = "x" * 48


def test_defaults_are_sqlite_in_the_instance_folder_chinese_and_shanghai() -> None:
    config = Config.from_env({})
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///crm.db"
    assert config.BABEL_DEFAULT_LOCALE == "zh_Hans_CN"
    assert config.BABEL_DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


def test_variables_are_parsed_into_their_types() -> None:
    config = Config.from_env(
        {
            "CRM_DATABASE_URL": "postgresql://crm:pw@db.internal/crm",
            "CRM_SESSION_IDLE_MINUTES": "20",
            "CRM_DEFAULT_LOCALE": "en",
            "CRM_DEFAULT_TIMEZONE": "Asia/Hong_Kong",
            "CRM_SECURE_COOKIES": "yes",
            "CRM_BUSINESS_HOURS": "8:30-17:30",
            "CRM_TRAINING_PASS_TARGET": "90%",
        }
    )
    assert config.BUSINESS_HOURS == "08:30-17:30"
    assert config.TRAINING_PASS_TARGET == 0.9
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://crm:pw@db.internal/crm"
    assert config.SESSION_IDLE_MINUTES == 20
    assert config.BABEL_DEFAULT_LOCALE == "en"
    assert config.BABEL_DEFAULT_TIMEZONE == "Asia/Hong_Kong"
    assert config.SESSION_COOKIE_SECURE is True


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRM_SESSION_IDLE_MINUTES", "half an hour"),
        ("CRM_LOGIN_MAX_FAILURES", "0"),
        ("CRM_DEFAULT_LOCALE", "fr"),
        ("CRM_DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("CRM_DEBUG", "maybe"),
        ("CRM_DATABASE_URL", "mysql://db/crm"),
        ("CRM_ENV", "staging"),
        ("CRM_BUSINESS_HOURS", "18:00-09:00"),
        ("CRM_BUSINESS_HOURS", "nine to six"),
        ("CRM_TRAINING_PASS_TARGET", "120%"),
        ("CRM_CALLBACK_RETRIES", "-1"),
    ],
)
def test_a_malformed_variable_is_refused_with_its_name_in_the_message(variable, value) -> None:
    with pytest.raises(ConfigError, match=variable):
        Config.from_env({variable: value})


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ConfigError, match="CRM_SECRET_KEY"):
        Config.from_env({"CRM_ENV": "production", "CRM_SECRET_KEY": DEV_SECRET_KEY})
    with pytest.raises(ConfigError, match="CRM_SECRET_KEY"):
        Config.from_env({"CRM_ENV": "production"})


def test_production_refuses_debug() -> None:
    with pytest.raises(ConfigError, match="CRM_DEBUG"):
        Config.from_env({"CRM_ENV": "production", "CRM_SECRET_KEY": GOOD_SECRET, "CRM_DEBUG": "1"})


def test_production_with_a_real_key_starts_with_secure_cookies() -> None:
    config = Config.from_env({"CRM_ENV": "production", "CRM_SECRET_KEY": GOOD_SECRET})
    assert isinstance(config, ProductionConfig)
    assert config.SESSION_COOKIE_SECURE is True


def test_the_test_configuration_keeps_csrf_on() -> None:
    assert getattr(TestConfig(), "WTF_CSRF_ENABLED", True) is True


def test_the_served_app_leaves_its_start_up_objects_out_of_full_collections() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "CRM_ENV": "testing", "CRM_DATABASE_URL": "sqlite:///unused.db"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(loaded.stdout) > 100_000
