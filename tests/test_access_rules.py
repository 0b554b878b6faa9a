"""The README's table "Who may see and do what", walked row by row: through the rules of
``crm/access.py``, the web pages and the API, which must all give the same answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from crm import access
from crm.api.tokens import create_token
from crm.auth.models import User
from crm.callbacks.models import CallbackTask
from crm.cases.models import Case
from crm.cases.services import change_status, open_case
from crm.customers.models import Customer
from crm.customers.services import delete_customer
from crm.database import utcnow
from crm.errors import PermissionDenied
from crm.extensions import db
from crm.qa.models import ReviewStatus
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_plan, make_task, make_user

README = Path(__file__).resolve().parent.parent / "README.md"
#: the table's columns, in order, and the role each stands for
ROLES = ("agent", "supervisor", "admin", "qa", "trainer")


@dataclass(frozen=True)
class Row:
    kind: str
    which: str
    #: role -> (may read, may change)
    rights: dict[str, tuple[bool, bool]]


def table() -> list[Row]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Who may see and do what", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(ROLES) or cells[0] in ("Record", "---"):
            continue
        rights = {
            role: ("read" in cell, "change" in cell)
            for role, cell in zip(ROLES, cells[2:], strict=True)
        }
        rows.append(Row(cells[0], cells[1], rights))
    return rows


ROWS = table()
CASES = [(row, role) for row in ROWS for role in ROLES]


def test_the_readme_table_covers_every_kind_of_record() -> None:
    assert {row.kind for row in ROWS} == {
        "Customer",
        "Case",
        "Callback task",
        "QA review",
        "Training result",
    }
    assert len(ROWS) == 14


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _world(role: str) -> dict:
    """The actor (of ``role``), another agent and a planner; records in every situation the
    table names, from the actor's point of view."""
    actor = make_user(username="actor", roles=[role])
    other = make_user(username="other.agent", roles=["agent"])
    boss = make_user(username="the.boss", roles=["supervisor"])
    customer = make_customer(actor=boss, name="张伟", phones=["13800138000"])
    gone = make_customer(actor=boss, name="李娜", phones=["13900139000"])
    delete_customer(actor=boss, customer=gone)
    now = utcnow()

    def case(opened_by: User, assignee: User | None) -> int:
        return open_case(
            actor=opened_by,
            customer=customer,
            subject="无法开机",
            category="tech_support",
            now=now,
            assignee=assignee,
        ).id

    # A QA reviewer or trainer cannot open cases: the other agent opens "their own" for them.
    opener = actor if actor.can(access.Permission.CASES_WORK) else other
    tasks = {
        which: make_task(make_plan(actor=boss, customer=customer, assignee=other))
        for which in ("assigned to them", "another agent's")
    }
    # Plans go to agents only; a task handed to the actor whatever their role.
    tasks["assigned to them"].assignee_id = actor.id
    objects = {
        ("Customer", "any live one"): customer.id,
        ("Customer", "deleted"): gone.id,
        ("Case", "assigned to them"): case(opener, actor),
        ("Case", "unassigned"): case(other, None),
        ("Case", "opened by them, now another agent's"): case(opener, other),
        ("Case", "another agent's"): case(other, other),
        **{("Callback task", which): task.id for which, task in tasks.items()},
    }
    raw = create_token(actor=actor, name="测试", now=now)[1]
    db.session.commit()
    return {"actor": actor.username, "other": other.id, "objects": objects, "token": raw}


def _review(row: Row, actor: User, other_id: int) -> SimpleNamespace:
    """A review as the row describes it (the rules read only its attributes)."""
    if row.which.startswith("of their own"):
        return SimpleNamespace(
            calibration_id=None,
            agent_id=actor.id,
            reviewer_id=other_id,
            is_scored=True,
            status=ReviewStatus.SUBMITTED.value,
        )
    return SimpleNamespace(
        calibration_id=None,
        agent_id=other_id,
        reviewer_id=None if row.which.startswith("unassigned") else other_id + 1000,
        is_scored=False,
        status=ReviewStatus.ASSIGNED.value,
    )


def _rules_say(row: Row, actor: User, world: dict) -> tuple[bool, bool]:
    if row.kind == "QA review":
        review = _review(row, actor, world["other"])
        return access.may_read_review(actor, review), access.may_change_review(actor, review)
    if row.kind == "Training result":
        own = row.which.startswith("their own")
        runs = row.which == "another person's, in a session they run"
        session = SimpleNamespace(trainer_id=actor.id if runs else world["other"] + 1000)
        subject = actor.id if own else world["other"]
        return (
            access.may_read_training_result(actor, subject),
            access.may_change_training_result(actor, session),
        )
    model = {"Customer": Customer, "Case": Case, "Callback task": CallbackTask}[row.kind]
    record = db.session.get(model, world["objects"][(row.kind, row.which)])
    read, change = {
        "Customer": (access.may_read_customer, access.may_change_customer),
        "Case": (access.may_read_case, access.may_change_case),
        "Callback task": (access.may_read_task, access.may_change_task),
    }[row.kind]
    return read(actor, record), change(actor, record)


@pytest.mark.parametrize(
    ("row", "role"), CASES, ids=[f"{row.kind}-{row.which}-{role}" for row, role in CASES]
)
def test_the_rules_say_what_the_readme_table_says(app, row: Row, role: str) -> None:
    with app.app_context():
        world = _world(role)
        actor = db.session.scalar(select(User).where(User.username == world["actor"]))
        assert _rules_say(row, actor, world) == row.rights[role]


WEB_ROWS = [(row, role) for row, role in CASES if row.kind in ("Customer", "Case", "Callback task")]


def _web_read(client, row: Row, object_id: int) -> int:
    path = {
        "Customer": "/customers/{}",
        "Case": "/cases/{}",
        "Callback task": "/callbacks/tasks/{}",
    }[row.kind]
    return client.get(path.format(object_id)).status_code


def _api_read(client, row: Row, object_id: int, headers: dict) -> int:
    if row.kind == "Callback task":
        # The API has no page of one task: a task is read in the token user's list.
        response = client.get("/api/v1/callbacks?limit=100", headers=headers)
        if response.status_code != 200:
            return response.status_code
        return 200 if object_id in {t["id"] for t in response.json["items"]} else 404
    path = {"Customer": "/api/v1/customers/{}", "Case": "/api/v1/cases/{}"}[row.kind]
    return client.get(path.format(object_id), headers=headers).status_code


@pytest.mark.parametrize(
    ("row", "role"), WEB_ROWS, ids=[f"{row.kind}-{row.which}-{role}" for row, role in WEB_ROWS]
)
def test_web_and_api_read_as_the_table_says(app, client, row: Row, role: str) -> None:
    with app.app_context():
        world = _world(role)
    object_id = world["objects"][(row.kind, row.which)]
    login(client, world["actor"])
    web = _web_read(client, row, object_id)
    api = _api_read(client, row, object_id, _bearer(world["token"]))
    may_read = row.rights[role][0]
    assert (web == 200) == may_read, web
    assert web == api
    if not may_read:
        assert web in (403, 404)


CASE_ROWS = [(row, role) for row, role in CASES if row.kind == "Case"]


@pytest.mark.parametrize(
    ("row", "role"), CASE_ROWS, ids=[f"{row.which}-{role}" for row, role in CASE_ROWS]
)
def test_a_case_changes_through_the_web_and_the_services_only_as_the_table_says(
    app, client, row: Row, role: str
) -> None:
    with app.app_context():
        world = _world(role)
    case_id = world["objects"][("Case", row.which)]
    login(client, world["actor"])
    token = csrf_token(client, "/account")
    response = client.post(
        f"/cases/{case_id}/status", data={"status": "accepted", "csrf_token": token}
    )
    may_change = row.rights[role][1]
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.status == "accepted") == may_change, response.status_code
        if not may_change:
            assert response.status_code in (403, 404)
            actor = db.session.scalar(select(User).where(User.username == world["actor"]))
            with pytest.raises(PermissionDenied):
                change_status(actor=actor, case=case, status="accepted", now=utcnow())


TASK_ROWS = [(row, role) for row, role in CASES if row.kind == "Callback task"]


@pytest.mark.parametrize(
    ("row", "role"), TASK_ROWS, ids=[f"{row.which}-{role}" for row, role in TASK_ROWS]
)
def test_a_callback_is_recorded_through_the_api_only_as_the_table_says(
    app, client, row: Row, role: str
) -> None:
    with app.app_context():
        world = _world(role)
    task_id = world["objects"][("Callback task", row.which)]
    response = client.post(
        f"/api/v1/callbacks/{task_id}/complete",
        json={"reached": True, "notes": "已联系"},
        headers=_bearer(world["token"]),
    )
    assert (response.status_code == 200) == row.rights[role][1], response.status_code
    assert re.match(r"^(200|403|404)$", str(response.status_code))
