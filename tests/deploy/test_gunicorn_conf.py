"""The shipped gunicorn settings size the workers from the machine."""

from __future__ import annotations

import runpy

import pytest

from tests.deploy.servers import GUNICORN_CONF

GB = 1024**3
settings = runpy.run_path(str(GUNICORN_CONF))


@pytest.mark.parametrize(
    ("cores", "memory", "workers"),
    [
        (1, 8 * GB, 3),  # two per core plus one
        (4, 16 * GB, 9),
        (8, 2 * GB, 6),  # memory bounds it: 300 MB each
        (2, GB // 2, 2),  # never fewer than two
    ],
)
def test_workers_follow_cores_and_memory(cores: int, memory: int, workers: int) -> None:
    assert settings["worker_count"](cores, memory) == workers


def test_the_app_is_reached_through_nginx_on_loopback_only() -> None:
    assert settings["bind"] == "127.0.0.1:8000"
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert settings["workers"] >= 2
