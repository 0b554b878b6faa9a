"""Both languages are complete, the switch works for visitors and users, and times are shown
in the user's own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from crm.api import routes  # noqa: F401 - importing registers the API operations
from crm.api.framework import OPERATIONS
from crm.auth.models import User
from crm.extensions import db
from crm.interactions.models import Interaction
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_user

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "crm" / "translations"


def source_messages() -> set[str]:
    method_map = [("crm/**.py", "python"), ("crm/templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def shown_messages() -> set[str]:
    """Texts the code keeps as plain strings and a template passes through ``_()`` as a value
    (the API reference's title and operation summaries), which extraction cannot see."""
    assert len(OPERATIONS) > 10, "the API's operations are registered on import"
    return {"Service CRM API"} | {operation.summary for operation in OPERATIONS}


def catalog_of(locale: str) -> Catalog:
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def untranslated(catalog: Catalog, messages: set[str]) -> set[str]:
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    return messages - translated


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_every_message_in_the_code_is_translated(locale) -> None:
    assert untranslated(catalog_of(locale), source_messages() | shown_messages()) == set()


def test_the_check_sees_every_way_of_marking_a_message_and_an_entry_left_empty() -> None:
    found = source_messages()
    # _l() and _() in Python, _() and ngettext() in templates
    assert {"Scorecard name", "Only supervisors can merge customers."} <= found
    assert {"New calibration session", "from %(num)d row", "%(num)d unread notification"} <= found
    catalog = catalog_of("zh_Hans_CN")
    catalog["Scorecard name"].string = ""
    catalog["from %(num)d row"].string = ("",)
    catalog.delete("New calibration session")
    assert untranslated(catalog, found) == {
        "Scorecard name",
        "from %(num)d row",
        "New calibration session",
    }


def test_a_visitor_switches_the_login_page_to_english_and_back(client) -> None:
    token = csrf_token(client)
    client.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page
    client.post("/language", data={"locale": "zh_Hans_CN", "csrf_token": token})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_the_switch_is_remembered_for_a_signed_in_user(app, client, login_as) -> None:
    user = login_as("agent")
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, "/")})
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    other_browser = app.test_client()
    login(other_browser, user.username)
    assert "Welcome" in other_browser.get("/").get_data(as_text=True)


def test_an_unknown_language_is_ignored(client) -> None:
    token = csrf_token(client)
    client.post("/language", data={"locale": "xx", "csrf_token": token})
    assert '<html lang="zh-CN">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Asia/Shanghai", "2026年3月1日 08:30:00"), ("Europe/London", "2026年3月1日 00:30:00")],
)
def test_times_are_stored_in_utc_and_shown_in_the_users_zone(app, client, zone, shown) -> None:
    with app.app_context():
        user_id = make_user(username="tz.user").id
    login(client, "tz.user")
    with app.app_context():
        user = db.session.get(User, user_id)
        user.timezone = zone
        user.last_login_at = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
        db.session.commit()
    assert shown in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    ("zone", "stored"),
    [
        ("Asia/Shanghai", datetime(2026, 3, 1, 0, 30, tzinfo=UTC)),
        ("Europe/London", datetime(2026, 3, 1, 8, 30, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 3, 1, 13, 30, tzinfo=UTC)),
    ],
)
def test_a_time_typed_in_the_users_zone_is_stored_as_that_instant(
    app, client, zone, stored
) -> None:
    # The zone's own offset, never its local mean time (pytz's +08:06 for Shanghai).
    with app.app_context():
        agent = make_user(username="tz.agent")
        agent.timezone = zone
        customer_id = make_customer(actor=agent).id
        db.session.commit()
    login(client, "tz.agent")
    response = client.post(
        f"/customers/{customer_id}/interactions",
        data={
            "channel": "phone",
            "direction": "inbound",
            "category": "inquiry",
            "summary": "来电",
            "occurred_at": "2026-03-01T08:30",
            "csrf_token": csrf_token(client, f"/customers/{customer_id}"),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        logged = db.session.scalars(
            select(Interaction).where(Interaction.customer_id == customer_id)
        ).one()
        assert logged.occurred_at == stored
        assert "2026/3/1 08:30" in client.get(f"/customers/{customer_id}").get_data(as_text=True)
