"""The agent's worklist: three sections of open calls, each shown a page at a time with its
total, and a call's forms fetched when the agent opens it."""

from __future__ import annotations

import re
from datetime import timedelta

from crm.callbacks.queries import WORKLIST_PAGE, worklist, worklist_section
from crm.database import utcnow
from crm.extensions import db
from crm.timezones import department_today
from tests.factories import make_customer, make_plan, make_task, make_user


def plans_for(agent, count: int) -> list:
    boss = make_user(roles=["supervisor"])
    return [
        make_plan(actor=boss, customer=make_customer(actor=boss), assignee=agent)
        for _ in range(count)
    ]


def test_each_section_shows_a_page_and_its_total_and_pages_on_by_due_date(ctx) -> None:
    agent = make_user(roles=["agent"])
    today = department_today(utcnow())
    plans = plans_for(agent, WORKLIST_PAGE + 5)
    for number, plan in enumerate(plans):
        make_task(plan, today + timedelta(days=1 + number % 3))
    make_task(plans[0], today - timedelta(days=2))
    make_task(plans_for(make_user(roles=["agent"]), 1)[0], today)  # someone else's call
    db.session.commit()

    listed = worklist(agent, today)
    assert listed.totals == {"overdue": 1, "today": 0, "upcoming": WORKLIST_PAGE + 5}
    assert len(listed.overdue.tasks) == 1 and listed.overdue.next_after is None
    assert listed.today.tasks == []
    first = listed.upcoming.tasks
    assert len(first) == WORKLIST_PAGE and listed.upcoming.next_after
    rest = worklist_section(agent, today, "upcoming", after=listed.upcoming.next_after)
    assert len(rest.tasks) == 5 and rest.next_after is None
    order = [(task.due_date, task.id) for task in first + rest.tasks]
    assert order == sorted(order) and len(set(order)) == WORKLIST_PAGE + 5
    assert {task.assignee_id for task in first + rest.tasks} == {agent.id}


def test_the_page_links_the_next_tasks_and_fetches_a_calls_forms(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        today = department_today(utcnow())
        tasks = [make_task(plan, today).id for plan in plans_for(agent, WORKLIST_PAGE + 1)]
        db.session.commit()
    page = client.get("/callbacks/").get_data(as_text=True)
    today_list = page.split('data-testid="due-today"')[1].split("</ul>")[0]
    assert today_list.count('data-testid="callback-task"') == WORKLIST_PAGE
    more = re.search(r'hx-get="(/callbacks/more\?[^"]+)"', today_list).group(1)
    rest = client.get(more.replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert rest.get_data(as_text=True).count('data-testid="callback-task"') == 1
    assert "worklist-more" not in rest.get_data(as_text=True)

    fragment = client.get(f"/callbacks/tasks/{tasks[0]}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert f'action="/callbacks/tasks/{tasks[0]}/complete"' in fragment.get_data(as_text=True)
    whole = client.get(f"/callbacks/tasks/{tasks[0]}").get_data(as_text=True)
    assert "<html" in whole and f'action="/callbacks/tasks/{tasks[0]}/complete"' in whole
