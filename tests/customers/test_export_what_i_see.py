"""Issue 20: the export is the list as it is shown (filters and sort), and a saved filter such
as "my key accounts in 华东" is saved, applied and exported from the list page."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from crm.customers.saved_filters import save_filter
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer


def names_in(response) -> list[str]:
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


def export(client, params: str):
    return client.post(
        "/customers/export",
        data={"format": "csv", "params": params, "csrf_token": csrf_token(client, "/customers/")},
    )


def export_params(html: str) -> str:
    """The list state the page's export buttons would send."""
    found = re.search(r'name="params" form="export-form" value="([^"]*)"', html)
    assert found, "the list offers no export of what it shows"
    return unescape(found.group(1))


@pytest.fixture
def accounts(app, login_as):
    boss = login_as("supervisor")
    with app.app_context():
        for number, (name, tier, region) in enumerate(
            [
                ("丙公司", "key", "华东"),
                ("甲公司", "key", "华东"),
                ("乙公司", "key", "华东"),
                ("丁公司", "key", "华南"),
                ("戊公司", "normal", "华东"),
            ]
        ):
            make_customer(
                actor=boss,
                name=name,
                tier=tier,
                region=region,
                owner_id=boss.id,
                phones=[f"1380013800{number}"],
            )
        make_customer(actor=boss, name="己公司", tier="key", region="华东", phones=["13900000000"])
        db.session.commit()
    return boss


def test_the_export_follows_the_lists_sort(client, accounts) -> None:
    params = "tier=key&region=华东&sort=-name"
    shown = client.get(f"/customers/?{params}").get_data(as_text=True)
    listed = re.findall(r'<a href="/customers/\d+">([^<]+)</a>', shown)
    assert names_in(export(client, params)) == listed
    assert listed == sorted(listed, reverse=True)


def test_a_filter_typed_on_the_page_is_what_the_export_buttons_send(client, accounts) -> None:
    # htmx swaps only the results; the export must follow them, not the page first loaded.
    partial = client.get(
        "/customers/?tier=key&region=华东&owner=&sort=name", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    params = export_params(partial)
    shown = re.findall(r'<a href="/customers/\d+">([^<]+)</a>', partial)
    assert len(shown) == 4
    assert names_in(export(client, params)) == shown


def test_my_key_accounts_in_east_china_are_saved_applied_and_exported(
    app, client, accounts
) -> None:
    boss = accounts
    mine = f"tier=key&region=华东&owner={boss.id}&sort=name"
    page = client.get(f"/customers/?{mine}").get_data(as_text=True)
    response = client.post(
        "/customers/saved-filters",
        data={
            "name": "我的华东关键客户",
            "params": unescape(
                re.search(r'name="params" form="save-filter-form" value="([^"]*)"', page).group(1)
            ),
            "csrf_token": csrf_token(client, "/customers/"),
        },
    )
    assert response.status_code == 302
    listing = client.get("/customers/").get_data(as_text=True)
    link = re.search(r'href="(/customers/\?[^"]*)">我的华东关键客户<', listing).group(1)
    applied = client.get(unescape(link)).get_data(as_text=True)
    shown = re.findall(r'<a href="/customers/\d+">([^<]+)</a>', applied)
    assert shown == ["丙公司", "乙公司", "甲公司"]  # sorted by name as saved (code points)
    assert names_in(export(client, export_params(applied))) == shown


def test_a_saved_filter_keeps_the_sort(ctx) -> None:
    from tests.factories import make_user

    user = make_user(username="saver", roles=["agent"])
    saved = save_filter(actor=user, name="x", params={"tier": "key", "sort": "-name"})
    assert saved.params == {"tier": "key", "sort": "-name"}


def test_the_csv_is_streamed_not_built_in_memory(client, accounts) -> None:
    response = export(client, "tier=key")
    assert response.is_streamed
    assert len(names_in(response)) == 5
