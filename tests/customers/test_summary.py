"""The summary card at the top of a customer's page, composed from what each domain registers:
open cases with their SLA countdown, the next callback, the satisfaction trend; and the log form
opened focused with ``?log=1``."""

from __future__ import annotations

from datetime import timedelta

from crm.auth.models import User
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.surveys.models import Survey
from tests.factories import make_customer, make_plan, make_task, make_user


def _customer_with_everything(app, agent_id: int) -> tuple[int, int, int, int]:
    with app.app_context():
        agent = db.session.get(User, agent_id)
        boss = make_user(roles=["supervisor"])
        other = make_user(roles=["agent"])
        customer = make_customer(actor=boss, name="王<五>", tier="key", tags=["续约"])
        now = utcnow()
        mine = open_case(
            actor=boss,
            customer=customer,
            subject="漏水",
            category="after_sales",
            assignee=agent,
            now=now,
        )
        theirs = open_case(
            actor=boss,
            customer=customer,
            subject="发票",
            category="inquiry",
            assignee=other,
            now=now,
        )
        for days, scores in ((20, (3, 3, 3)), (10, (4, 4, 4)), (1, (5, 5, 4))):
            db.session.add(
                Survey(
                    case_id=open_case(
                        actor=boss, customer=customer, subject="旧", category="inquiry", now=now
                    ).id,
                    customer_id=customer.id,
                    expires_at=now + timedelta(days=7),
                    answered_at=now - timedelta(days=days),
                    attitude=scores[0],
                    efficiency=scores[1],
                    resolution=scores[2],
                )
            )
        plan = make_plan(actor=boss, customer=customer, assignee=agent, purpose="季度回访")
        task = make_task(plan, (now + timedelta(days=3)).date())
        make_task(plan, (now + timedelta(days=40)).date())
        db.session.commit()
        return customer.id, mine.id, theirs.id, task.id


def _card(page: str) -> str:
    start = page.index('data-testid="customer-summary"')
    return page[start : page.index("</section>", start)]


def test_the_card_shows_cases_callback_and_satisfaction(app, client, login_as) -> None:
    agent = login_as("agent")
    customer_id, mine, theirs, task = _customer_with_everything(app, agent.id)
    card = _card(client.get(f"/customers/{customer_id}").get_data(as_text=True))
    assert "王&lt;五&gt;" in card and "关键客户" in card and "续约" in card
    # Every open case is named; the agent may open their own, not another agent's.
    assert f'href="/cases/{mine}"' in card and f'href="/cases/{theirs}"' not in card
    assert "发票" in card and 'data-sla="ok"' in card
    assert f'href="/callbacks/tasks/{task}"' in card
    assert "4.7" in card and "上升" in card
    assert 'data-testid="log-contact"' in card and 'href="#log"' in card


def test_roles_without_cases_or_callbacks_see_no_links_to_them(app, client, login_as) -> None:
    with app.app_context():
        agent_id = make_user().id
    customer_id, mine, _theirs, task = _customer_with_everything(app, agent_id)
    login_as("qa")
    card = _card(client.get(f"/customers/{customer_id}").get_data(as_text=True))
    assert f'href="/cases/{mine}"' not in card and f'href="/callbacks/tasks/{task}"' not in card
    assert "漏水" in card


def test_a_customer_with_nothing_yet_gets_a_quiet_card(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="新客户").id
        db.session.commit()
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "暂无计划" in page and "尚无已答调查" in page


def test_log_1_opens_the_page_with_the_form_focused(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="来电者").id
        db.session.commit()
    assert "autofocus" not in client.get(f"/customers/{customer_id}").get_data(as_text=True)
    page = client.get(f"/customers/{customer_id}?log=1").get_data(as_text=True)
    summary = page[page.index('id="log"') :]
    assert "autofocus" in summary[: summary.index("</form>")]
