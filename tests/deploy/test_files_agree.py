"""The shipped files agree with each other and with the app's settings: what the example env
file configures is what nginx allows and where gunicorn listens."""

from __future__ import annotations

import re

import pytest

from config import Config, ConfigError, ProductionConfig
from tests.deploy.servers import ROOT, SITE
from tests.deploy.test_gunicorn_conf import settings


def example_env() -> dict[str, str]:
    lines = (ROOT / "deploy" / "crm.env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return dict(pairs)


def test_the_example_env_is_a_valid_production_config_once_its_secret_is_set() -> None:
    with pytest.raises(ConfigError, match="CRM_SECRET_KEY must be set"):
        Config.from_env(example_env())  # as shipped: no known key ever signs a session
    environ = example_env() | {"CRM_SECRET_KEY": "s" * 48}
    config = Config.from_env(environ)
    assert isinstance(config, ProductionConfig)
    assert config.TRUSTED_PROXIES == 1  # one nginx, which replaces X-Forwarded-For


def test_nginx_allows_the_bodies_the_app_takes_and_forwards_to_gunicorn() -> None:
    site = SITE.read_text()
    config = Config.from_env(example_env() | {"CRM_SECRET_KEY": "s" * 48})
    nginx_limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert nginx_limit * 1024 * 1024 == config.MAX_CONTENT_LENGTH
    assert config.ATTACHMENT_MAX_BYTES < config.MAX_CONTENT_LENGTH
    assert f"server {settings['bind']};" in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
