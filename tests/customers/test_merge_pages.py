"""Issue 20 on the pages: the preview offers a choice per field, the merge takes the choices,
a supervisor undoes it from the customer's page or the audit log, and agents can do neither."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from crm.customers.models import Customer, CustomerMerge
from crm.extensions import db
from crm.interactions.models import Interaction
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, make_customer, make_interaction, make_user


@pytest.fixture
def pair(app):
    with app.app_context():
        boss = make_user(username="boss.li", display_name="李主管", roles=["supervisor"])
        make_user(username="admin.zhao", roles=["admin"])
        kept = make_customer(actor=boss, name="王芳", phones=["13800138000"], region="华东")
        dupe = make_customer(
            actor=boss,
            name="王芳芳",
            phones=["13800138000", "13911112222"],
            region="华南",
            company="<b>芳华</b>公司",
        )
        make_interaction(customer=dupe, actor=boss)
        db.session.commit()
        return kept.id, dupe.id


def sign_in_as(client, username: str) -> None:
    client.post(
        "/login",
        data={
            "username": username,
            "password": DEFAULT_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )


def merge(client, dupe_id: int, kept_id: int, **choices: str):
    data = {"target_id": kept_id, "csrf_token": csrf_token(client, "/customers/")}
    data.update({f"field-{name}": value for name, value in choices.items()})
    return client.post(f"/customers/{dupe_id}/merge", data=data)


def test_the_preview_shows_each_differing_field_with_a_choice(client, pair) -> None:
    kept_id, dupe_id = pair
    sign_in_as(client, "boss.li")
    page = client.get(f"/customers/{dupe_id}/merge?target={kept_id}").get_data(as_text=True)
    assert 'name="field-region" id="f-region-keep" value="keep" checked' in page
    assert 'name="field-company" id="f-company-take" value="take" checked' in page
    assert "&lt;b&gt;芳华&lt;/b&gt;公司" in page and "<b>芳华" not in page
    assert 'name="target_version"' in page


def test_the_merge_takes_the_chosen_values_and_the_customer_page_offers_the_undo(
    app, client, pair
) -> None:
    kept_id, dupe_id = pair
    sign_in_as(client, "boss.li")
    response = merge(client, dupe_id, kept_id, region="take", name="keep")
    assert response.headers["Location"] == f"/customers/{kept_id}"
    with app.app_context():
        kept = db.session.get(Customer, kept_id)
        assert (kept.name, kept.region, kept.company) == ("王芳", "华南", "<b>芳华</b>公司")
        merge_id = db.session.query(CustomerMerge.id).scalar()
    profile = client.get(f"/customers/{kept_id}").get_data(as_text=True)
    assert f'href="/customers/merges/{merge_id}"' in profile
    administrator = app.test_client()
    sign_in_as(administrator, "admin.zhao")
    audit = administrator.get("/admin/audit/").get_data(as_text=True)
    assert f'href="/customers/merges/{merge_id}"' in audit
    record = client.get(f"/customers/merges/{merge_id}").get_data(as_text=True)
    assert f'action="/customers/merges/{merge_id}/undo"' in record
    undone = client.post(
        f"/customers/merges/{merge_id}/undo", data={"csrf_token": csrf_token(client, "/")}
    )
    assert undone.headers["Location"] == f"/customers/{dupe_id}"
    with app.app_context():
        assert db.session.get(Customer, kept_id).region == "华东"
        assert not db.session.get(Customer, dupe_id).is_deleted
        assert db.session.query(Interaction.customer_id).scalar() == dupe_id


def test_an_undo_refused_shows_why(app, client, pair) -> None:
    kept_id, dupe_id = pair
    sign_in_as(client, "boss.li")
    merge(client, dupe_id, kept_id)
    with app.app_context():
        kept = db.session.get(Customer, kept_id)
        kept.notes = "改了"  # a save bumps the version
        db.session.commit()
        merge_id = db.session.query(CustomerMerge.id).scalar()
    record = client.get(f"/customers/merges/{merge_id}").get_data(as_text=True)
    assert 'data-testid="undo-blockers"' in record and "备注" in record
    assert "/undo" not in record
    refused = client.post(
        f"/customers/merges/{merge_id}/undo", data={"csrf_token": csrf_token(client, "/")}
    )
    assert refused.headers["Location"] == f"/customers/merges/{merge_id}"
    with app.app_context():
        assert db.session.get(Customer, dupe_id).is_deleted


def test_agents_can_neither_merge_nor_undo(app, client, login_as, pair) -> None:
    kept_id, dupe_id = pair
    sign_in_as(client, "boss.li")
    merge(client, dupe_id, kept_id)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("agent")
    with app.app_context():
        merge_id = db.session.query(CustomerMerge.id).scalar()
    assert client.get(f"/customers/merges/{merge_id}").status_code == 403
    token = csrf_token(client, "/")
    assert (
        client.post(f"/customers/merges/{merge_id}/undo", data={"csrf_token": token}).status_code
        == 403
    )
    assert client.get(f"/customers/{kept_id}/merge").status_code == 403


@pytest.mark.browser
def test_a_supervisor_chooses_a_field_in_the_chinese_preview_and_merges(
    page: Page, live_server, app, pair
) -> None:
    kept_id, dupe_id = pair
    page.goto(f"{live_server.url}/login")
    page.get_by_label("用户名").fill("boss.li")
    page.get_by_label("密码", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.goto(f"{live_server.url}/customers/{dupe_id}/merge")
    page.get_by_test_id("merge-candidates").get_by_role("link", name=re.compile("王芳")).click()
    expect(page.get_by_role("heading", name="将 王芳芳 合并到 王芳")).to_be_visible()
    region = page.get_by_role("radiogroup", name="地区")
    expect(region.get_by_role("radio", name="华东")).to_be_checked()
    region.get_by_role("radio", name="华南").check()
    expect(page.get_by_test_id("merge-moves")).to_contain_text("互动 1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="合并", exact=True).click()
    expect(page.get_by_role("heading", name="王芳")).to_be_visible()
    expect(page.get_by_test_id("merge-note")).to_contain_text("王芳芳")
    with app.app_context():
        assert db.session.get(Customer, kept_id).region == "华南"
