"""The shipped systemd units pass systemd's own check, pointed at this checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.servers import ROOT

SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


@pytest.mark.skipif(
    not Path(SYSTEMD_ANALYZE).exists(), reason="systemd-analyze is missing: `make test` installs it"
)
def test_the_units_verify(tmp_path: Path) -> None:
    assert [unit.name for unit in UNITS] == ["crm-scheduler.service", "crm-web.service"]
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/crm", str(ROOT)))
    checked = subprocess.run(  # noqa: S603 - our units
        [SYSTEMD_ANALYZE, "verify", *(str(tmp_path / unit.name) for unit in UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (checked.returncode, checked.stderr) == (0, "")


def test_the_web_unit_uses_the_shipped_gunicorn_settings() -> None:
    web = (ROOT / "deploy" / "systemd" / "crm-web.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py wsgi:app" in web
    assert (ROOT / "deploy" / "gunicorn.conf.py").exists()
