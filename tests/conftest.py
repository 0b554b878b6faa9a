"""Fixtures: a migrated database per test (SQLite file, or PostgreSQL when
CRM_TEST_DATABASE_URL names one), the app, a client, logging in by role, and a live server
with Debian's Chromium for browser tests."""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import Select, create_engine, exists, func, literal, select, text, union_all
from werkzeug.serving import make_server

from config import Config, TestConfig
from crm import create_app
from crm.auth.models import User
from crm.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

pytest_plugins = ["tests.connection_origins"]

POSTGRES_URL = os.environ.get("CRM_TEST_DATABASE_URL")
if POSTGRES_URL is not None and not POSTGRES_URL.startswith("postgresql"):
    # An empty or wrong URL must not quietly turn the PostgreSQL run into a second SQLite run.
    raise pytest.UsageError(f"CRM_TEST_DATABASE_URL must name PostgreSQL, got {POSTGRES_URL!r}")
CHROMIUM = "/usr/bin/chromium"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def pytest_report_header() -> str:
    database = POSTGRES_URL.rsplit("@", 1)[-1] if POSTGRES_URL else "a SQLite file per test"
    return f"database: {'PostgreSQL ' if POSTGRES_URL else ''}{database}"


def build_app(database_url: str, **overrides: object) -> Flask:
    return create_app(TestConfig(SQLALCHEMY_DATABASE_URI=database_url, **overrides))


def dispose(app: Flask) -> None:
    """Close the app's connections. One still checked out would be returned later to the
    discarded pool and never closed, so it fails the test that left it."""
    with app.app_context():
        held = db.engine.pool.checkedout()
        db.engine.dispose()
    assert not held, f"{held} database connection(s) still in use when the test ended"


#: rows the migrations themselves insert (default training topics, ...), per table
SEEDED: dict[str, list[dict]] = {}


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a template SQLite file to copy, or the PostgreSQL test database
    (whose seeded rows are remembered, to be put back after each test empties the tables)."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'crm.db'}"
    app = build_app(url)
    with app.app_context():
        upgrade()
        if POSTGRES_URL:
            for table in db.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in db.session.execute(table.select())]
                if rows:
                    SEEDED[table.name] = rows
    dispose(app)
    return url


def _reset_postgres_tables() -> None:
    """Empty every table a test wrote to, put back what the migrations seeded and restart the
    id sequences, as a fresh database has them. DELETE of the few tables with rows, with
    triggers and foreign-key checks off for the transaction (the append-only audit table's
    trigger would refuse it), is ten times faster than TRUNCATE of all 90-odd tables, which
    gives each a new file: a fifth of a second per test."""
    probe = union_all(
        *(
            select(literal(table.name)).where(exists(table.select()))
            for table in db.metadata.sorted_tables
            if table.name not in SEEDED
        )
    )
    written = list(db.session.scalars(probe))
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for name in [*written, *SEEDED]:
        db.session.execute(db.metadata.tables[name].delete())
    for name, rows in SEEDED.items():
        db.session.execute(db.metadata.tables[name].insert(), rows)
    # Sequences move on even for an insert that was rolled back: restart every one.
    db.session.execute(_restart_sequences())
    db.session.commit()


@functools.cache
def _restart_sequences() -> Select:
    """One SELECT that sets every id sequence back to where the freshly migrated database had
    it: past the seeded rows, or unused."""
    calls = []
    for table in db.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        sequence = db.session.scalar(select(func.pg_get_serial_sequence(table.name, "id")))
        if sequence is None:
            continue
        top = max((row["id"] for row in SEEDED.get(table.name, [])), default=None)
        calls.append(func.setval(sequence, top or 1, top is not None))
    return select(*calls)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if POSTGRES_URL:
        return database_template
    template = Path(database_template.removeprefix("sqlite:///"))
    target = tmp_path / "crm.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def attachment_dir(tmp_path: Path) -> str:
    """Where the test's case attachments are stored (never the checkout's instance folder)."""
    return str(tmp_path / "attachments")


@pytest.fixture
def app(database_url: str, attachment_dir: str) -> Iterator[Flask]:
    app = build_app(database_url, ATTACHMENT_DIR=attachment_dir)
    if POSTGRES_URL:
        with app.app_context():
            _reset_postgres_tables()
    yield app
    dispose(app)


@pytest.fixture
def app_with(app: Flask, database_url: str, attachment_dir: str) -> Iterator[Callable[..., Flask]]:
    """Build further apps with other settings, on the test's database unless told otherwise;
    their connections are closed afterwards. It asks for ``app`` so that the database is the
    test's own on PostgreSQL too (``app`` empties the shared tables)."""
    built: list[Flask] = []

    def build(config_class: type[Config] = TestConfig, **overrides: object) -> Flask:
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", database_url)
        overrides.setdefault("ATTACHMENT_DIR", attachment_dir)
        built.append(create_app(config_class(**overrides)))
        return built[-1]

    yield build
    if built and has_app_context():
        # A session of the test's own context may hold a connection of a built app (an expired
        # object loaded inside its context); end it first, or dispose would leave it open.
        db.session.remove()
    for app in built:
        dispose(app)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context for tests that call services directly (never around client requests:
    Flask would reuse it for every request and share ``g`` between them)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    match = CSRF_META.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = DEFAULT_PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def login_as(app: Flask, client: FlaskClient) -> Callable[..., User]:
    """Create a user with the given roles and sign the client in as them."""

    def sign_in(*roles: str, **overrides: object) -> User:
        with app.app_context():
            user = make_user(roles=list(roles) or ["agent"], **overrides)
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


class LiveServer:
    """The app served on loopback for the browser. On exit it waits for the requests still
    being answered (a page's 3-second poll may be in flight), and answers 503 to any that a
    handler thread only reaches afterwards: no request touches the app once the test's ``app``
    disposes of its pool, so no connection is left open in a pool nobody closes."""

    def __init__(self, app: Flask) -> None:
        self._busy = 0
        self._closing = False
        self._idle = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._counted(app), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _counted(self, app: Flask) -> Callable:
        def serve(environ: dict, start_response: Callable) -> list[bytes]:
            with self._idle:
                if self._closing:
                    start_response("503 Service Unavailable", [("Content-Length", "0")])
                    return []
                self._busy += 1
            try:
                response = app(environ, start_response)
                try:
                    return list(response)
                finally:
                    getattr(response, "close", lambda: None)()
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

        return serve

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        with self._idle:
            self._closing = True
            self._idle.wait_for(lambda: self._busy == 0, timeout=10)
        self._server.server_close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium: Playwright cannot download its own browser here. A missing Chromium
    fails the browser tests rather than skipping them."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it with apt (package chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-playwright's base_url plugin fixture, which pytest 9 deprecates; browser
    tests navigate with ``live_server.url``."""
    return None
