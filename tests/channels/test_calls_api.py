"""POST /api/v1/calls/events: token auth, 201 for a new event and 200 for a repeat, clear
errors naming the field for hostile input, and nothing lost or doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.api.tokens import create_token
from crm.channels.models import Call, CallEvent
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from tests.factories import make_customer, make_user

URL = "/api/v1/calls/events"


@pytest.fixture
def token(app) -> str:
    with app.app_context():
        system = make_user(username="phone.system", roles=["agent"])
        li = make_user(username="agent.li", roles=["agent"])
        make_customer(actor=li, name="张伟", phones=["13800138000"])
        raw = create_token(actor=system, name="电话系统", now=utcnow())[1]
        db.session.commit()
        return raw


def post(client, token, **changes):
    body = {
        "call_id": "pbx-1",
        "event": "ringing",
        "from": "13800138000",
        "to": "4008001234",
        "agent": "agent.li",
        "at": (utcnow() - timedelta(minutes=5)).isoformat(),
        **changes,
    }
    body = {key: value for key, value in body.items() if value is not None}
    return client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Call)),
            db.session.scalar(select(func.count()).select_from(CallEvent)),
        )


def test_a_call_is_recorded_event_by_event_and_a_repeat_answers_200(app, client, token) -> None:
    start = utcnow() - timedelta(minutes=10)
    first = post(client, token, at=start.isoformat())
    assert first.status_code == 201
    assert first.json["state"] == "ringing" and first.json["agent"] == "agent.li"
    assert first.json["customer_id"] is not None
    again = post(client, token, at=start.isoformat())
    assert again.status_code == 200 and again.json == first.json
    post(client, token, event="answered", at=(start + timedelta(seconds=30)).isoformat())
    ended = post(
        client,
        token,
        event="ended",
        at=(start + timedelta(minutes=4)).isoformat(),
        recording_url="https://pbx.example.com/rec/1.mp3",
    )
    assert ended.status_code == 201
    assert ended.json["state"] == "ended"
    assert ended.json["speed_of_answer_seconds"] == 30
    assert ended.json["duration_seconds"] == 210
    assert ended.json["interaction_id"] is not None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Interaction)) == 1
    assert counts(app) == (1, 3)


def test_the_event_needs_a_token_with_the_interactions_permission(app, client, token) -> None:
    assert post(client, "crm_wrong").status_code == 401
    with app.app_context():
        trainer = make_user(roles=["trainer"])
        raw = create_token(actor=trainer, name="x", now=utcnow())[1]
        db.session.commit()
    assert post(client, raw).status_code == 403
    assert counts(app) == (0, 0)


def test_an_unknown_agent_is_accepted_and_noted(client, token) -> None:
    answer = post(client, token, agent="nobody")
    assert answer.status_code == 201
    assert answer.json["agent"] is None
    assert any(note.startswith("agent:") for note in answer.json["notes"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"at": "2026-05-04T10:00:00"}, "at"),
        ({"at": "yesterday"}, "at"),
        ({"at": 1767225600}, "at"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at"),
        ({"at": "9999-12-31T23:59:59-14:00"}, "at"),
        ({"event": "hangup"}, "event"),
        ({"call_id": ""}, "call_id"),
        ({"call_id": "x" * 101}, "call_id"),
        ({"from": "1" * 41}, "from"),
        ({"to": None}, "to"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"recording_url": "https://x/" + "a" * 500}, "recording_url"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(app, client, token, changes, field) -> None:
    answer = post(client, token, **changes)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["error"]["fields"], answer.json
    assert counts(app) == (0, 0)


def test_a_time_too_far_ahead_is_refused(app, client, token) -> None:
    answer = post(client, token, at=(utcnow() + timedelta(days=2)).isoformat())
    assert answer.status_code == 422 and "at" in answer.json["error"]["fields"]
    assert counts(app) == (0, 0)


def test_a_naive_time_is_refused_with_a_message_that_says_how(client, token) -> None:
    answer = post(client, token, at="2026-05-04T10:00:00")
    assert "time zone" in answer.json["error"]["fields"]["at"]


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2]",
        '{"call_id": "\u0000"}'.encode(),
        # GB2312 bytes declared as JSON (which is UTF-8): not readable, refused, not mangled
        '{"call_id": "来电", "event": "ringing"}'.encode("gb2312"),
        b"[" * 100_000 + b"]" * 100_000,  # nested past the parser's recursion limit
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(app, client, token, data) -> None:
    answer = client.post(
        URL,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert answer.status_code in (400, 422)
    assert answer.json["error"]["message"]
    assert counts(app) == (0, 0)


def test_an_oversized_body_is_refused(app, app_with, client, token) -> None:
    # Within the upload limit, a huge field is refused by name ...
    answer = post(client, token, call_id="x" * 2_000_000)
    assert answer.status_code == 422 and "call_id" in answer.json["error"]["fields"]
    # ... beyond it, before it is read.
    small = app_with(MAX_CONTENT_LENGTH=64 * 1024)
    answer = post(small.test_client(), token, call_id="x" * 100_000)
    assert answer.status_code == 413 and "larger than" in answer.json["error"]["message"]
    assert counts(app) == (0, 0)


def test_markup_is_stored_as_sent_and_answered_as_json(app, client, token) -> None:
    answer = post(client, token, call_id="<script>x</script>", **{"from": "<img src=x>"})
    assert answer.status_code == 201
    assert answer.json["from_number"] == "<img src=x>" and answer.json["customer_id"] is None
    assert answer.headers["Content-Type"].startswith("application/json")


def test_the_operation_is_in_the_openapi_description(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/calls/events"]["post"]
    assert {"200", "201", "401", "403", "422"} <= set(operation["responses"])
    assert operation["x-permission"] == "interactions.log"
    body = spec["components"]["schemas"]["CallEventIn"]
    assert {"call_id", "event", "from", "to", "at"} <= set(body["required"])
