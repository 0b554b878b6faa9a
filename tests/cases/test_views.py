"""Working a case over HTTP: open from the customer, accept, transfer, resolve; queues."""

from __future__ import annotations

from sqlalchemy import select

from crm.cases.models import Case
from crm.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_user


def test_an_agent_opens_a_case_and_works_it_to_resolved(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="孙九").id
        colleague = make_user(username="tech.wu", display_name="吴工", roles=["agent"]).id
        db.session.commit()
    token = csrf_token(client, f"/cases/new?customer={customer_id}")
    response = client.post(
        f"/cases/new?customer={customer_id}",
        data={
            "subject": "无法开机",
            "category": "tech_support",
            "priority": "high",
            "assignee_id": str(agent.id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    case_url = response.headers["Location"]
    case_id = int(case_url.rsplit("/", 1)[-1])
    assert 'data-sla="ok"' in client.get(case_url).get_data(as_text=True)
    for status in ("accepted", "in_progress"):
        client.post(f"{case_url}/status", data={"status": status, "csrf_token": token})
    client.post(
        f"{case_url}/transfer",
        data={
            "department": "tech_support",
            "assignee_id": str(colleague),
            "note": "请远程诊断",
            "csrf_token": token,
        },
    )
    # Handed over, the case is the colleague's: the agent who opened it reads, no longer changes.
    page = client.get(case_url).get_data(as_text=True)
    assert 'data-testid="case-read-only"' in page
    assert (
        client.post(
            f"{case_url}/status", data={"status": "resolved", "csrf_token": token}
        ).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": token})
    login(client, "tech.wu")
    token = csrf_token(client, case_url)
    refused = client.post(f"{case_url}/status", data={"status": "closed", "csrf_token": token})
    assert refused.status_code == 302  # refused with a message: in progress cannot close
    client.post(f"{case_url}/status", data={"status": "resolved", "csrf_token": token})
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.status, case.assignee_id, case.department) == (
            "resolved",
            colleague,
            "tech_support",
        )
        assert case.first_response_at is not None
    history = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "无法开机" in history  # the case is on the customer's timeline


def test_queues_show_own_cases_and_the_team_queue_to_supervisors(app, client, login_as) -> None:
    supervisor = login_as("supervisor")
    with app.app_context():
        agent = make_user(username="agent.q", roles=["agent"])
        customer = make_customer(actor=agent)
        from crm.cases.services import open_case
        from crm.database import utcnow

        open_case(
            actor=agent,
            customer=customer,
            subject="待处理",
            category="inquiry",
            now=utcnow(),
            assignee=agent,
        )
        db.session.commit()
    assert "待处理" in client.get("/cases/queue").get_data(as_text=True)
    assert "待处理" not in client.get("/cases/queue?state=breached").get_data(as_text=True)
    theirs = app.test_client()
    login(theirs, "agent.q")
    assert "待处理" in theirs.get("/cases/").get_data(as_text=True)
    assert theirs.get("/cases/queue").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Case.opened_by_id)) != supervisor.id


def test_the_team_queue_reads_a_fixed_number_of_statements_however_many_cases(app) -> None:
    from sqlalchemy import event

    from crm.cases.models import SlaPolicy
    from crm.cases.queries import team_queue
    from crm.cases.services import open_case
    from crm.database import utcnow

    def statements_for(count: int) -> int:
        with app.app_context():
            agent = make_user(roles=["agent"])
            customer = make_customer(actor=agent)
            for _ in range(count):
                open_case(
                    actor=agent,
                    customer=customer,
                    subject="x",
                    category="inquiry",
                    now=utcnow(),
                    assignee=agent,
                )
            db.session.commit()
            seen = []
            listener = lambda *args: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            team_queue(utcnow(), state="", department=None)
            event.remove(db.engine, "before_cursor_execute", listener)
            return len(seen)

    with app.app_context():
        for policy in db.session.scalars(select(SlaPolicy)):
            policy.business_hours = True  # the case that needs the calendar
        db.session.commit()
    assert statements_for(2) == statements_for(10)
