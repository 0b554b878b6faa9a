"""The call figures report (by local hour, in the reader's zone) and the ringing pop partial."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.cases.routing_models import DepartmentAgent
from crm.channels.call_reports import call_figures
from crm.channels.calls import record_call_event
from crm.database import utcnow
from crm.extensions import db
from crm.notifications.kinds import link
from crm.notifications.models import Notification
from tests.conftest import login
from tests.factories import make_customer, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-05-04 09:xx and 10:xx in Shanghai
NINE = datetime(2026, 5, 4, 1, 10, tzinfo=UTC)
TEN = datetime(2026, 5, 4, 2, 5, tzinfo=UTC)


def _call(system, call_id, events, number="13700000000", agent=None):
    for name, at in events:
        record_call_event(
            actor=system,
            call_id=call_id,
            event=name,
            from_number=number,
            to_number="4008001234",
            agent=agent,
            at=at,
            now=max(at, utcnow()),
        )


def _day(ctx) -> dict:
    system = make_user(username="phone.system", roles=["agent"])
    li = make_user(username="agent.li", roles=["agent"])
    make_customer(actor=li, name="<i>张伟</i>", phones=["13800138000"])
    db.session.add(DepartmentAgent(department="service", user_id=li.id))
    s = timedelta(seconds=1)
    _call(system, "a", [("ringing", NINE), ("answered", NINE + 30 * s)])
    _call(system, "b", [("ringing", NINE), ("answered", NINE + 170 * s)])
    _call(system, "c", [("ringing", TEN), ("answered", TEN + 60 * s)])
    _call(system, "d", [("ringing", TEN), ("missed", TEN + 50 * s)], number="13800138000")
    # missed without a ringing event: counted at its missed time
    _call(system, "e", [("missed", TEN + 600 * s)], number="<b>x</b>")
    # the caller hung up before anyone answered; the phone system said "ended", not "missed"
    _call(system, "f", [("ringing", TEN + 700 * s), ("ended", TEN + 740 * s)], number="13900000000")
    # a phone system that only says "ended", with the talk time: answered, not abandoned
    record_call_event(
        actor=system,
        call_id="g",
        event="ended",
        from_number="13600000000",
        to_number="4008001234",
        agent=None,
        at=TEN + 900 * s,
        now=utcnow(),
        duration_seconds=95,
    )
    db.session.commit()
    return {"system": system, "li": li}


def test_the_figures_of_a_day_by_local_hour(ctx) -> None:
    _day(ctx)
    figures = call_figures(date(2026, 5, 4), date(2026, 5, 5), SHANGHAI)
    total = figures.total
    assert (total.offered, total.answered, total.missed) == (7, 4, 3)
    assert total.answer_rate == 4 / 7
    assert total.average_answer_seconds == (30 + 170 + 60) / 3
    assert total.within_target_share == 2 / 3
    nine, ten = figures.hours[9], figures.hours[10]
    assert (nine.offered, nine.answered, nine.within_target) == (2, 2, 1)
    assert (ten.offered, ten.answered, ten.missed) == (5, 2, 3)
    assert sum(hour.offered for hour in figures.hours.values()) == 7
    assert [call.from_number for call in figures.missed_calls] == [
        "13900000000",
        "<b>x</b>",
        "13800138000",
    ]
    # The same calls read from UTC: other hours, and the next day has none of them.
    utc = call_figures(date(2026, 5, 4), date(2026, 5, 5), ZoneInfo("UTC"))
    assert utc.hours[1].offered == 2 and utc.hours[2].offered == 5
    assert call_figures(date(2026, 5, 5), date(2026, 5, 6), SHANGHAI).total.offered == 0


def test_the_report_page_escapes_and_links_the_missed_calls(app, client, login_as) -> None:
    with app.app_context():
        _day(app)
    login_as("supervisor")
    page = client.get("/reports/calls?day=2026-05-04").get_data(as_text=True)
    assert 'data-testid="calls-by-hour"' in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<i>张伟</i>" not in page and "&lt;i&gt;张伟&lt;/i&gt;" in page
    assert "/callbacks/tasks/" in page  # the known caller's callback
    assert "/pop?phone=" in page  # the unknown caller: find or add
    assert 'data-hour="9"' in page and 'data-hour="10"' in page


def test_the_report_has_an_empty_state_and_survives_bad_arguments(client, login_as) -> None:
    login_as("supervisor")
    for query in ("", "?day=2026-13-40", "?month=9999-99", "?day=<script>", "?month=2026-05"):
        response = client.get(f"/reports/calls{query}")
        assert response.status_code == 200
        assert 'data-testid="no-calls"' in response.get_data(as_text=True)


def test_the_pop_shows_the_agents_ringing_call_until_it_is_answered(app, client) -> None:
    with app.app_context():
        system = make_user(username="phone.system", roles=["agent"])
        li = make_user(username="agent.li", roles=["agent"])
        make_customer(actor=li, name="<i>张伟</i>", phones=["13800138000"])
        db.session.commit()
    login(client, "agent.li")
    assert "call-pop" not in client.get("/calls/ringing").get_data(as_text=True)
    with app.app_context():
        system = db.session.merge(system)
        _call(system, "r1", [("ringing", utcnow())], number="13800138000", agent="agent.li")
        _call(system, "r2", [("ringing", utcnow())], number="<img src=x>", agent="agent.li")
        _call(system, "old", [("ringing", utcnow() - timedelta(minutes=3))], agent="agent.li")
        db.session.commit()
    pop = client.get("/calls/ringing").get_data(as_text=True)
    assert pop.count('data-testid="call-pop"') == 2
    assert "&lt;i&gt;张伟&lt;/i&gt;" in pop and "&lt;img src=x&gt;" in pop and "<img" not in pop
    assert "/customers/" in pop and "/pop?phone=" in pop
    with app.app_context():
        system = db.session.merge(system)
        _call(system, "r1", [("answered", utcnow())], number="13800138000", agent="agent.li")
        _call(system, "r2", [("missed", utcnow())], number="<img src=x>", agent="agent.li")
        db.session.commit()
    assert "call-pop" not in client.get("/calls/ringing").get_data(as_text=True)


def test_the_pop_is_only_for_the_named_agent(app, client, login_as) -> None:
    with app.app_context():
        system = make_user(username="phone.system", roles=["agent"])
        make_user(username="agent.li", roles=["agent"])
        _call(system, "r1", [("ringing", utcnow())], agent="agent.li")
        db.session.commit()
    login_as("agent")
    assert "call-pop" not in client.get("/calls/ringing").get_data(as_text=True)


def test_the_pop_poll_does_not_keep_an_idle_session_alive(app, client, login_as) -> None:
    login_as("agent")
    with client.session_transaction() as session:
        session["seen_at"] -= 120
        seen = session["seen_at"]
    assert client.get("/calls/ringing", headers={"HX-Request": "true"}).status_code == 200
    with client.session_transaction() as session:
        assert session["seen_at"] == seen
    client.get("/")
    with client.session_transaction() as session:
        assert session["seen_at"] > seen


def test_a_poll_after_the_session_ended_sends_the_page_to_sign_in(client, login_as) -> None:
    login_as("agent")
    with client.session_transaction() as session:
        session["seen_at"] -= 24 * 3600
    answer = client.get("/calls/ringing", headers={"HX-Request": "true"})
    assert answer.status_code == 204 and answer.headers["HX-Redirect"].endswith("/login")


def test_a_notice_about_an_unknown_callers_missed_call_opens_the_screen_pop(app) -> None:
    with app.app_context():
        system = make_user(username="phone.system", roles=["agent"])
        make_user(username="boss", roles=["supervisor"])
        _call(system, "m1", [("missed", utcnow())], number="13700000000")
        db.session.commit()
        notice = db.session.query(Notification).one()
        with app.test_request_context():
            assert link(notice) == "/pop?phone=13700000000"
