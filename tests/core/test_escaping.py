"""Escaping by construction: a user value put into a translated string is text wherever the
string is shown, in a form label, an error beside a field or a flashed message."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pyotp
import pytest
from flask import current_app
from markupsafe import Markup, escape

from crm.auth.models import User
from crm.auth.two_factor import qr_svg
from crm.database import utcnow
from crm.extensions import db
from crm.i18n import force_locale, gettext, lazy_gettext
from crm.qa import disputes, scorecards
from crm.qa.models import Scorecard
from tests.conftest import csrf_token, login
from tests.qa.support import SMALL_CARD, scored_review, veteran

HOSTILE = "<i id=x>"
ESCAPED = "&lt;i id=x&gt;"


@pytest.fixture
def english(ctx):
    with force_locale("en"):
        yield


def test_a_lazy_string_with_a_value_escapes_the_value_as_html_and_not_as_text(english) -> None:
    label = lazy_gettext("New value for %(criterion)s", criterion=HOSTILE)
    assert str(label) == f"New value for {HOSTILE}"
    assert label.__html__() == f"New value for {ESCAPED}"
    assert escape(label) == f"New value for {ESCAPED}"
    assert (
        current_app.jinja_env.from_string("{{ label }}").render(label=label)
        == f"New value for {ESCAPED}"
    )


def test_a_lazy_string_keeps_markup_values_and_numbers_and_plain_text_stays_plain(english) -> None:
    assert lazy_gettext("%(n)d rows", n=3).__html__() == "3 rows"
    kept = lazy_gettext("See %(link)s", link=Markup("<b>this</b>"))
    assert kept.__html__() == "See <b>this</b>"
    assert lazy_gettext("Q&A").__html__() == "Q&amp;A"
    assert str(lazy_gettext("Q&A")) == "Q&A"
    assert gettext("Value %(v)s", v=HOSTILE) == f"Value {HOSTILE}"


def test_json_writes_a_lazy_string_as_its_plain_text(english) -> None:
    label = lazy_gettext("New value for %(criterion)s", criterion=HOSTILE)
    assert json.loads(current_app.json.dumps({"label": label})) == {
        "label": f"New value for {HOSTILE}"
    }


def test_a_flashed_lazy_string_comes_back_escaped_after_the_session_round_trip(
    app, client, login_as
) -> None:
    login_as("agent")
    page = client.get("/pop", query_string={"phone": HOSTILE}, follow_redirects=True)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert HOSTILE not in body
    assert ESCAPED in body


def test_the_customer_forms_phone_error_shows_the_number_as_text(app, client, login_as) -> None:
    login_as("agent")
    form = {"name": "张三", "phones": HOSTILE, "csrf_token": csrf_token(client, "/customers/new")}
    response = client.post("/customers/new", data=form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert HOSTILE not in body
    assert ESCAPED in body


@pytest.fixture
def disputed_review(app) -> int:
    """A review of the small scorecard, whose first criterion is named ``<i id=x>``, disputed
    by its agent on that criterion."""
    with app.app_context():
        manager = veteran("qa.manager", ["qa"])
        agent = veteran("agent.a", ["agent"])
        veteran("boss", ["supervisor"])
        criteria = [replace(SMALL_CARD[0], name=HOSTILE), *SMALL_CARD[1:]]
        card: Scorecard = scorecards.create_scorecard(
            actor=manager, name="卡", style="weighted", pass_mark=Decimal(80), criteria=criteria
        )
        now = utcnow() - timedelta(hours=1)
        review = scored_review(card=card, agent=agent, reviewer=manager, values=(4, 1, 1), at=now)
        first = card.current.criteria[0].id
        disputes.open_dispute(actor=agent, review=review, items={first: "不同意"}, now=utcnow())
        db.session.commit()
        return review.id


def test_a_criterion_named_as_markup_is_text_in_the_decision_form(
    app, client, disputed_review
) -> None:
    login(client, "boss")
    response = client.get(f"/qa/reviews/{disputed_review}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert HOSTILE not in body
    assert ESCAPED in body


def test_the_enrolment_qr_code_marked_safe_carries_no_user_text() -> None:
    """``two_factor.html`` prints the QR SVG with ``|safe``: the user name is only in the
    code's modules, never as text in the SVG."""
    user = User(username=HOSTILE, totp_secret=pyotp.random_base32())
    svg = qr_svg(user)
    assert svg.startswith("<svg") and "<i" not in svg and "id=x" not in svg
