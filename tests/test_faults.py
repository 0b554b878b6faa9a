"""Faults a live service meets: a database locked by another writer or gone, an import killed
halfway, two agents saving one customer at the same moment. Each on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.auth.models import User
from crm.customers import import_commit, import_store, imports
from crm.customers.import_models import ImportBatch
from crm.customers.models import Customer
from crm.extensions import db
from tests.conftest import POSTGRES_URL, csrf_token, login
from tests.factories import make_customer, make_user

ROOT = Path(__file__).resolve().parents[1]
UNAVAILABLE = 'data-testid="unavailable-page"'


@contextmanager
def write_lock_held_elsewhere(database_url: str) -> Iterator[None]:
    """Another client holds the lock every save needs, until the block ends: on SQLite the
    file's write lock, on PostgreSQL an EXCLUSIVE lock on the customers table."""
    if POSTGRES_URL:
        url = make_url(database_url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
            connection.execute("LOCK TABLE customers IN EXCLUSIVE MODE")
            yield
            connection.rollback()
        return
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def edit_form(client: FlaskClient, customer_id: int) -> dict[str, str]:
    """The edit form's fields as the page filled them in."""
    page = client.get(f"/customers/{customer_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page)
    assert version, "no version field on the edit form"
    return {
        "csrf_token": csrf_token(client, f"/customers/{customer_id}/edit"),
        "version": version.group(1),
        "name": "并发客户",
        "phones": "13912345678",
    }


@pytest.fixture
def supervisor_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user(username="boss", roles=["supervisor"])
    assert login(client, "boss").status_code == 302
    return client


@pytest.fixture
def customer_id(app: Flask) -> int:
    with app.app_context():
        actor = make_user(username="maker", roles=["supervisor"])
        customer = make_customer(actor=actor, name="并发客户", phones=["13912345678"])
        db.session.commit()
        return customer.id


class TestLockedDatabase:
    @pytest.fixture
    def impatient(self, app_with) -> Flask:
        return app_with(DB_LOCK_TIMEOUT_SECONDS=1)

    def test_readiness_says_locked_and_a_save_gets_a_clear_503_that_keeps_nothing(
        self, impatient: Flask, database_url: str, customer_id: int
    ) -> None:
        client = impatient.test_client()
        with impatient.app_context():
            make_user(username="boss", roles=["supervisor"])
        assert login(client, "boss").status_code == 302
        form = edit_form(client, customer_id) | {"company": "锁住时的修改"}

        with write_lock_held_elsewhere(database_url):
            ready = client.get("/readyz")
            saved = client.post(f"/customers/{customer_id}/edit", data=form)

        assert ready.status_code == 503
        assert ready.get_json()["database"] == "locked"
        assert saved.status_code == 503
        assert saved.headers["Retry-After"].isdigit()
        page = saved.get_data(as_text=True)
        assert UNAVAILABLE in page and "Traceback" not in page
        with impatient.app_context():
            assert db.session.get(Customer, customer_id).company is None

        assert client.get("/readyz").status_code == 200
        assert client.post(f"/customers/{customer_id}/edit", data=form).status_code == 302
        with impatient.app_context():
            assert db.session.get(Customer, customer_id).company == "锁住时的修改"


class TestDatabaseDown:
    @pytest.fixture
    def unreachable_url(self, tmp_path: Path) -> str:
        if POSTGRES_URL:
            # Port 9 (discard) has no server on loopback: the connection is refused at once.
            return str(make_url(POSTGRES_URL).set(host="127.0.0.1", port=9))
        return f"sqlite:///{tmp_path / 'gone' / 'crm.db'}"

    def test_signed_in_users_get_a_clear_503_page_and_the_api_a_json_503(
        self, app_with, supervisor_client: FlaskClient, unreachable_url: str
    ) -> None:
        down = app_with(SQLALCHEMY_DATABASE_URI=unreachable_url, DB_LOCK_TIMEOUT_SECONDS=1)
        client = down.test_client()
        cookie = supervisor_client.get_cookie("crm_session")
        client.set_cookie("crm_session", cookie.value)

        page = client.get("/customers")
        assert page.status_code == 503
        body = page.get_data(as_text=True)
        assert UNAVAILABLE in body and "Traceback" not in body
        assert "数据库" in body  # the department's default language, without a user to ask

        api = client.get("/api/v1/customers", headers={"Authorization": "Bearer crm_x"})
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "unavailable"

        assert client.get("/readyz").status_code == 503
        assert client.get("/readyz").get_json()["database"] == "unreachable"
        assert client.get("/healthz").status_code == 200


# Commits a checked import in the real app, stopping for good at its first write once 500 new
# customers are in the transaction, so that the test can kill the process halfway through.
INTERRUPTED_IMPORT = """
import sys, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from config import TestConfig
from crm import create_app
from crm.auth.models import User
from crm.customers import import_commit, imports
from crm.customers.import_models import ImportBatch
from crm.extensions import db

def stop_halfway(_connection, cursor, statement, *_args):
    if not statement.startswith("INSERT INTO"):
        return
    counter = cursor.connection.cursor()
    counter.execute("SELECT count(*) FROM customers")
    if counter.fetchone()[0] >= 500:
        print("halfway", flush=True)
        time.sleep(600)

event.listen(Engine, "after_cursor_execute", stop_halfway)
app = create_app(TestConfig(SQLALCHEMY_DATABASE_URI=sys.argv[1]))
with app.app_context():
    batch = db.session.get(ImportBatch, int(sys.argv[2]))
    actor = db.session.get(User, batch.created_by_id)
    import_commit.commit_import(actor=actor, batch=batch)
    db.session.commit()
print("finished", flush=True)
"""


def test_an_import_killed_halfway_leaves_no_partial_data(app: Flask, database_url: str) -> None:
    rows = "\n".join(f"导入客户{n},1370000{n:04d}" for n in range(1000))
    with app.app_context():
        actor = make_user(username="boss", roles=["supervisor"])
        batch, _table = imports.start_import(
            actor=actor, filename="customers.csv", data=f"姓名,手机\n{rows}\n".encode()
        )
        imports.dry_run(actor=actor, batch=batch, mapping=batch.mapping, mode="all_or_nothing")
        db.session.commit()
        batch_id, actor_id = batch.id, actor.id

    worker = subprocess.Popen(  # noqa: S603 - our own script and test arguments
        [sys.executable, "-c", INTERRUPTED_IMPORT, database_url, str(batch_id)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout.readline().strip() == "halfway"
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "checked" and import_store.has_file(batch)
        # The kept file commits whole once the supervisor tries again.
        import_commit.commit_import(actor=db.session.get(User, actor_id), batch=batch)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1000


def test_two_agents_saving_one_customer_at_once_never_lose_an_edit_silently(
    app: Flask, customer_id: int
) -> None:
    clients = []
    for name in ("agent-a", "agent-b"):
        with app.app_context():
            make_user(username=name, roles=["agent"])
        client = app.test_client()
        assert login(client, name).status_code == 302
        clients.append(client)
    forms = [
        edit_form(client, customer_id) | {"company": f"{name}的修改"}
        for client, name in zip(clients, ("agent-a", "agent-b"), strict=True)
    ]
    start = threading.Barrier(2)
    responses: dict[int, object] = {}

    def save(index: int) -> None:
        start.wait()
        responses[index] = clients[index].post(f"/customers/{customer_id}/edit", data=forms[index])

    threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [302, 409]
    winner = next(i for i, response in responses.items() if response.status_code == 302)
    loser = responses[1 - winner]
    assert "其他人修改了该客户" in loser.get_data(as_text=True)
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert customer.company == forms[winner]["company"]
        assert customer.version == 2
        updates = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == AuditAction.CUSTOMER_UPDATED)
        )
        assert updates == 1
