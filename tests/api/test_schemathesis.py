"""schemathesis drives a live server from the OpenAPI description: generated requests (valid
and not) to every operation, with a supervisor's and an agent's token, must never cause a
server error or a response that the description does not allow."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from crm.api.framework import OPERATIONS
from crm.api.tokens import create_token
from crm.database import utcnow
from crm.extensions import db
from tests.factories import make_customer, make_interaction, make_plan, make_task, make_user

#: examples per operation and token: bounded, so the suite stays fast
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _token(app, role: str) -> str:
    """The token of a user with ``role``, with some data for the reads to find."""
    with app.app_context():
        boss = make_user(username="boss", roles=["supervisor"])
        agent = make_user(username="agent.li", roles=["agent"])
        for number in range(3):
            customer = make_customer(actor=agent, phones=[f"1380013800{number}"])
            make_interaction(customer=customer, actor=agent)
            make_task(make_plan(actor=boss, customer=customer, assignee=agent))
        user = boss if role == "supervisor" else agent
        raw = create_token(actor=user, name="schemathesis", now=utcnow())[1]
        db.session.commit()
        return raw


@pytest.fixture
def supervisor_token(app) -> str:
    return _token(app, "supervisor")


@pytest.fixture
def agent_token(app) -> str:
    return _token(app, "agent")


def _exercise(base_url: str, token: str) -> int:
    """Every operation of the live description, EXAMPLES generated requests each (schemathesis'
    own strategies, run by hypothesis); returns how many operations were exercised."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
    return len(operations)


def test_the_api_keeps_to_its_description_for_a_supervisor(live_server, supervisor_token) -> None:
    assert _exercise(live_server.url, supervisor_token) == len(OPERATIONS)


def test_the_api_keeps_to_its_description_for_an_agent(live_server, agent_token) -> None:
    assert _exercise(live_server.url, agent_token) == len(OPERATIONS)
