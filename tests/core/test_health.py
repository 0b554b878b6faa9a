"""/healthz says the process is up; /readyz says whether the database is usable."""

from __future__ import annotations

from pathlib import Path


def test_readyz_reports_a_migrated_database_as_ready(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "migrations": "head"}


def test_readyz_is_503_when_migrations_are_pending(app_with, tmp_path: Path) -> None:
    app = app_with(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "pending"


def test_readyz_is_503_when_the_database_is_unreachable(app_with, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "crm.db"
    app = app_with(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200
