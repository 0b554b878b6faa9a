"""The JSON API with personal tokens: authentication, object-level access, errors,
idempotent creates, phone lookups in any format, and the screen pop."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.api.framework import OPERATIONS
from crm.api.models import ApiToken
from crm.api.tokens import create_token, revoke_token
from crm.auth.models import User
from crm.cases.services import open_case
from crm.customers.models import Customer
from crm.customers.services import delete_customer
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.timezones import department_today
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_plan, make_task, make_user


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def world(app):
    """Two agents and a supervisor with tokens; a customer with a callback and a case each."""
    with app.app_context():
        li = make_user(username="agent.li", roles=["agent"])
        wu = make_user(username="agent.wu", roles=["agent"])
        boss = make_user(username="boss", roles=["supervisor"])
        trainer = make_user(username="trainer", roles=["trainer"])
        customer = make_customer(actor=li, name="张伟", phones=["13800138000"])
        plan_li = make_plan(actor=boss, customer=customer, assignee=li)
        plan_wu = make_plan(actor=boss, customer=customer, assignee=wu)
        task_li = make_task(plan_li, department_today(utcnow()))
        task_wu = make_task(plan_wu, department_today(utcnow()))
        case_li = open_case(
            actor=li,
            customer=customer,
            subject="无法开机",
            category="tech_support",
            now=utcnow(),
            assignee=li,
        )
        case_wu = open_case(
            actor=wu,
            customer=customer,
            subject="退货",
            category="after_sales",
            now=utcnow(),
            assignee=wu,
        )
        tokens = {
            name: create_token(actor=user, name="测试", now=utcnow())[1]
            for name, user in (("li", li), ("wu", wu), ("boss", boss), ("trainer", trainer))
        }
        db.session.commit()
        return {
            "tokens": tokens,
            "customer": customer.id,
            "tasks": {"li": task_li.id, "wu": task_wu.id},
            "cases": {"li": case_li.id, "wu": case_wu.id},
        }


def test_requests_without_a_valid_token_are_refused_with_the_error_body(client, world) -> None:
    for headers in ({}, bearer("crm_not-a-token"), {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/customers?q=张", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert set(response.json["error"]) == {"code", "message", "fields"}
        assert response.json["error"]["code"] == "unauthorized"


def test_a_revoked_token_is_refused(app, client, world) -> None:
    headers = bearer(world["tokens"]["li"])
    assert client.get("/api/v1/customers?q=张", headers=headers).status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken).join(User).where(User.username == "agent.li"))
        revoke_token(actor=token.user, token=token, now=utcnow())
        db.session.commit()
    assert client.get("/api/v1/customers?q=张", headers=headers).status_code == 401


def test_a_token_of_a_deactivated_user_is_refused(app, client, world) -> None:
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "agent.li")).active = False
        db.session.commit()
    assert (
        client.get("/api/v1/customers?q=张", headers=bearer(world["tokens"]["li"])).status_code
        == 401
    )


def test_only_the_hash_of_a_token_is_stored(app, world) -> None:
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert world["tokens"]["li"] not in stored
    assert all(len(value) == 64 for value in stored)


def test_a_token_has_its_users_permissions(client, world) -> None:
    trainer = bearer(world["tokens"]["trainer"])
    assert client.get("/api/v1/customers?q=张", headers=trainer).status_code == 403
    assert client.get("/api/v1/kpis", headers=bearer(world["tokens"]["li"])).status_code == 403
    kpis = client.get("/api/v1/kpis?month=2026-10", headers=bearer(world["tokens"]["boss"]))
    assert kpis.status_code == 200
    assert [f["key"] for f in kpis.json["figures"]][:2] == [
        "satisfaction",
        "first_response_minutes",
    ]


def test_a_token_sees_only_the_callbacks_and_cases_its_user_may(client, world) -> None:
    li = bearer(world["tokens"]["li"])
    tasks = client.get("/api/v1/callbacks", headers=li).json["items"]
    assert [t["id"] for t in tasks] == [world["tasks"]["li"]]
    other = f"/api/v1/callbacks/{world['tasks']['wu']}/complete"
    assert client.post(other, json={"reached": True, "notes": "好"}, headers=li).status_code == 404
    cases = client.get("/api/v1/cases", headers=li).json["items"]
    assert [c["id"] for c in cases] == [world["cases"]["li"]]
    boss = client.get("/api/v1/cases", headers=bearer(world["tokens"]["boss"])).json["items"]
    assert {c["id"] for c in boss} == set(world["cases"].values())
    done = client.post(
        f"/api/v1/callbacks/{world['tasks']['li']}/complete",
        json={"reached": True, "notes": "客户满意", "satisfaction": 5},
        headers=li,
    )
    assert done.status_code == 200 and done.json["status"] == "done"
    again = client.post(
        f"/api/v1/callbacks/{world['tasks']['li']}/complete",
        json={"reached": True, "notes": "再次"},
        headers=li,
    )
    assert again.status_code == 409


def test_a_deleted_customer_is_not_found_for_an_agents_token(app, client, world) -> None:
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        delete_customer(actor=boss, customer=db.session.get(Customer, world["customer"]))
        db.session.commit()
    path = f"/api/v1/customers/{world['customer']}"
    assert client.get(path, headers=bearer(world["tokens"]["li"])).status_code == 404
    assert client.get(path, headers=bearer(world["tokens"]["boss"])).json["deleted"] is True


@pytest.mark.parametrize(
    "typed",
    ["+86 138-0013-8000", "13800138000", "0086 13800138000", "+8613800138000", "138 0013 8000"],
)
def test_lookup_by_phone_in_any_common_format_finds_the_customer(client, world, typed) -> None:
    response = client.get(
        "/api/v1/customers/lookup",
        query_string={"phone": typed},
        headers=bearer(world["tokens"]["li"]),
    )
    assert response.status_code == 200
    assert response.json["phone"] == "+8613800138000"
    assert [c["id"] for c in response.json["items"]] == [world["customer"]]


def test_an_invalid_phone_is_a_422_naming_the_field(client, world) -> None:
    response = client.get(
        "/api/v1/customers/lookup?phone=12", headers=bearer(world["tokens"]["li"])
    )
    assert response.status_code == 422
    assert "phones" in response.json["error"]["fields"]


def test_an_idempotent_retry_logs_one_interaction(app, client, world) -> None:
    call = {
        "caller_phone": "+86 138 0013 8000",
        "started_at": "2026-11-20T09:30:00+08:00",
        "duration_seconds": 185,
        "direction": "inbound",
        "recording_ref": "rec/2026/11/20/0930-138.wav",
    }
    headers = {**bearer(world["tokens"]["li"]), "Idempotency-Key": "call-7f3a"}
    first = client.post("/api/v1/interactions", json=call, headers=headers)
    retry = client.post("/api/v1/interactions", json=call, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json == first.json
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert first.json["duration_seconds"] == 185 and first.json["agent"] == "agent.li"
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(Interaction.recording_ref == call["recording_ref"])
            )
            == 1
        )
    changed = client.post(
        "/api/v1/interactions", json={**call, "duration_seconds": 10}, headers=headers
    )
    assert changed.status_code == 409
    assert changed.json["error"]["code"] == "idempotency_key_reused"
    without_key = client.post(
        "/api/v1/interactions", json=call, headers=bearer(world["tokens"]["li"])
    )
    assert without_key.status_code == 201
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(Interaction.recording_ref == call["recording_ref"])
            )
            == 2
        )


def test_a_call_for_another_agent_needs_a_supervisors_token(client, world) -> None:
    call = {
        "customer_id": world["customer"],
        "agent": "agent.wu",
        "started_at": "2026-11-20T01:30:00Z",
        "duration_seconds": 60,
        "direction": "outbound",
    }
    assert (
        client.post(
            "/api/v1/interactions", json=call, headers=bearer(world["tokens"]["li"])
        ).status_code
        == 403
    )
    logged = client.post("/api/v1/interactions", json=call, headers=bearer(world["tokens"]["boss"]))
    assert logged.status_code == 201 and logged.json["agent"] == "agent.wu"


def test_bad_bodies_are_refused_with_the_fields_named(client, world) -> None:
    li = bearer(world["tokens"]["li"])
    not_json = client.post("/api/v1/interactions", data="x", headers=li)
    assert not_json.status_code == 400
    naive = client.post(
        "/api/v1/interactions",
        headers=li,
        json={
            "customer_id": world["customer"],
            "started_at": "2026-11-20T09:30:00",
            "duration_seconds": -1,
            "direction": "sideways",
            "extra": 1,
        },
    )
    assert naive.status_code == 422
    assert {"started_at", "duration_seconds", "direction", "extra"} <= set(
        naive.json["error"]["fields"]
    )


def test_customers_are_created_updated_and_stale_edits_refused(client, world) -> None:
    li = bearer(world["tokens"]["li"])
    created = client.post(
        "/api/v1/customers",
        headers=li,
        json={"name": "王芳", "phones": ["139 1234 5678"], "company": "华夏贸易"},
    )
    assert created.status_code == 201
    body = created.json
    assert body["phones"] == ["+8613912345678"] and body["version"] == 1
    duplicate = client.post(
        "/api/v1/customers", headers=li, json={"name": "王芳二", "phones": ["13912345678"]}
    )
    assert duplicate.status_code == 409 and duplicate.json["error"]["code"] == "duplicate"
    path = f"/api/v1/customers/{body['id']}"
    patched = client.patch(path, headers=li, json={"version": 1, "region": "上海"})
    assert patched.status_code == 200
    assert (patched.json["region"], patched.json["company"], patched.json["version"]) == (
        "上海",
        "华夏贸易",
        2,
    )
    stale = client.patch(path, headers=li, json={"version": 1, "region": "北京"})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale"
    detail = client.get(path, headers=li).json
    assert detail["region"] == "上海" and detail["timeline"] == []


def test_unknown_api_paths_and_huge_ids_answer_json(client, world) -> None:
    li = bearer(world["tokens"]["li"])
    assert client.get("/api/v1/customers/99999999999999999999", headers=li).status_code == 404
    missing = client.get("/api/v1/nothing", headers=li)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_the_description_lists_every_operation(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert operations == {(op.method, op.path) for op in OPERATIONS}
    assert {("GET", "/customers/lookup"), ("POST", "/interactions"), ("GET", "/kpis")} <= operations
    assert client.get("/api/v1/docs").status_code == 200


# Token pages and the screen pop


def test_a_token_is_shown_once_and_works(app, client) -> None:
    with app.app_context():
        make_user(username="agent.zhao", roles=["agent"])
    login(client, "agent.zhao")
    token = csrf_token(client, "/account/tokens/")
    page = client.post("/account/tokens/", data={"csrf_token": token, "name": "电话系统"})
    html = page.get_data(as_text=True)
    raw = html.split('user-select-all">', 1)[1].split("<", 1)[0]
    assert raw.startswith("crm_")
    assert raw not in client.get("/account/tokens/").get_data(as_text=True)
    api = app.test_client()
    assert api.get("/api/v1/customers?q=x", headers=bearer(raw)).status_code == 200


def test_the_screen_pop_opens_the_caller_or_a_new_customer_or_a_choice(app, client) -> None:
    with app.app_context():
        agent = make_user(username="agent.pop", roles=["agent"])
        one = make_customer(actor=agent, phones=["13700000001"])
        make_customer(actor=agent, phones=["13700000002"], name="甲")
        make_customer(actor=agent, phones=["13700000002"], name="乙")
        db.session.commit()
        one_id = one.id
    login(client, "agent.pop")
    single = client.get("/pop?phone=+86 137 0000 0001")
    assert single.status_code == 302 and single.headers["Location"] == f"/customers/{one_id}"
    none = client.get("/pop?phone=13700000009")
    assert none.status_code == 302 and "/customers/new?phone=" in none.headers["Location"]
    several = client.get("/pop?phone=13700000002")
    assert several.status_code == 200
    html = several.get_data(as_text=True)
    assert "甲" in html and "乙" in html


def test_nul_characters_are_refused_before_they_reach_the_database(client, world) -> None:
    li = bearer(world["tokens"]["li"])
    body = client.post(
        "/api/v1/customers", headers=li, json={"name": "a\u0000b", "phones": ["13912340000"]}
    )
    assert body.status_code == 422
    query = client.get("/api/v1/customers", query_string={"q": "张\x00"}, headers=li)
    assert query.status_code == 400 and query.json["error"]["code"] == "bad_request"


def test_a_call_for_a_deleted_customer_is_refused_as_invalid(app, client, world) -> None:
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        delete_customer(actor=boss, customer=db.session.get(Customer, world["customer"]))
        db.session.commit()
    call = {
        "customer_id": world["customer"],
        "started_at": "2026-11-20T01:30:00Z",
        "duration_seconds": 60,
        "direction": "inbound",
    }
    refused = client.post("/api/v1/interactions", json=call, headers=bearer(world["tokens"]["li"]))
    assert refused.status_code == 422
    assert "customer_id" in refused.json["error"]["fields"]


def test_an_email_shared_with_another_customer_creates_a_new_one(client, world) -> None:
    """The phone identifies a customer; an e-mail never merges two people (issue 20)."""
    li = bearer(world["tokens"]["li"])
    first = client.post(
        "/api/v1/customers",
        headers=li,
        json={"name": "王芳", "phones": ["13912345670"], "email": "home@example.cn"},
    )
    second = client.post(
        "/api/v1/customers",
        headers=li,
        json={"name": "王小明", "phones": ["13912345671"], "email": "HOME@example.cn"},
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["id"] != second.json["id"]
    taken = client.patch(
        f"/api/v1/customers/{second.json['id']}",
        headers=li,
        json={"version": 1, "phones": ["13912345671", "13912345670"]},
    )
    assert taken.status_code == 409 and taken.json["error"]["code"] == "duplicate"
