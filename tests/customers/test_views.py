"""Customer pages over HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from crm.customers.models import Customer
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_customer, make_interaction

SHANGHAI = ZoneInfo("Asia/Shanghai")


def count_customers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Customer))


def test_creating_a_customer_with_a_known_phone_warns_then_creates_on_request(
    app, client, login_as
) -> None:
    agent = login_as("agent")
    with app.app_context():
        existing = make_customer(actor=agent, name="张三", phones=["13800138000"])
        db.session.commit()
        existing_id = existing.id
    form = {
        "name": "张叁",
        "phones": "+86 138 0013 8000",
        "csrf_token": csrf_token(client, "/customers/new"),
    }
    warned = client.post("/customers/new", data=form)
    assert warned.status_code == 400
    page = warned.get_data(as_text=True)
    assert 'data-testid="duplicate-warning"' in page
    assert f'href="/customers/{existing_id}"' in page
    assert count_customers(app) == 1
    created = client.post("/customers/new", data={**form, "allow_duplicate": "y"})
    assert created.status_code == 302
    assert count_customers(app) == 2


def test_an_invalid_phone_is_shown_beside_the_field_and_nothing_is_saved(
    app, client, login_as
) -> None:
    login_as("agent")
    response = client.post(
        "/customers/new",
        data={
            "name": "王五",
            "phones": "12345",
            "csrf_token": csrf_token(client, "/customers/new"),
        },
    )
    assert response.status_code == 400
    assert 'id="phones-error"' in response.get_data(as_text=True)
    assert count_customers(app) == 0


def test_saving_an_edit_made_on_an_old_version_says_so(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer = make_customer(actor=agent, name="李四", phones=["13800138000"])
        db.session.commit()
        customer_id = customer.id
    token = csrf_token(client, f"/customers/{customer_id}/edit")
    form = {"name": "李四", "phones": "13800138000", "version": "1", "csrf_token": token}
    assert (
        client.post(f"/customers/{customer_id}/edit", data={**form, "company": "甲"}).status_code
        == 302
    )
    stale = client.post(f"/customers/{customer_id}/edit", data={**form, "company": "乙"})
    assert stale.status_code == 409
    assert "Someone else changed" in stale.get_data(as_text=True) or "其他人" in stale.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Customer, customer_id).company == "甲"


def test_a_logged_interaction_appears_at_the_top_of_the_timeline(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer = make_customer(actor=agent)
        make_interaction(customer=customer, actor=agent, summary="旧的咨询")
        db.session.commit()
        customer_id = customer.id
    response = client.post(
        f"/customers/{customer_id}/interactions",
        data={
            "channel": "phone",
            "direction": "inbound",
            "category": "tech_support",
            "summary": "设备无法开机",
            "occurred_at": datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
            "csrf_token": csrf_token(client, f"/customers/{customer_id}"),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    entries = re.findall(
        r'data-testid="timeline-entry".*?<strong class="ms-1">([^<]+)</strong>', page, re.S
    )
    assert entries[:2] == ["设备无法开机", "旧的咨询"]


def test_user_text_is_escaped_everywhere_it_is_shown(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer = make_customer(actor=agent, name="<script>alert(1)</script>", notes="<b>x</b>")
        db.session.commit()
        customer_id = customer.id
    for path in (
        f"/customers/{customer_id}",
        "/customers/?q=script",
        "/customers/quick-search?q=script",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_quick_search_returns_ranked_links_and_an_empty_state(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        make_customer(actor=agent, name="张三丰", phones=["13800138000"])
        db.session.commit()
    hit = client.get("/customers/quick-search?q=8000", headers={"HX-Request": "true"})
    assert "张三丰" in hit.get_data(as_text=True)
    miss = client.get("/customers/quick-search?q=99999999").get_data(as_text=True)
    assert "没有找到客户" in miss or "No customer found" in miss


def test_the_list_filters_by_tier_and_quiet_days_and_pages(app, client, login_as) -> None:
    supervisor = login_as("supervisor")
    with app.app_context():
        key = make_customer(actor=supervisor, name="重点客户甲", tier="key")
        make_customer(actor=supervisor, name="普通客户乙")
        for number in range(24):  # 26 in all: two pages of 25
            make_customer(actor=supervisor, name=f"批量客户{number:02d}")
        make_interaction(customer=key, actor=supervisor)
        db.session.commit()
    keys = client.get("/customers/?tier=key").get_data(as_text=True)
    assert "重点客户甲" in keys and "普通客户乙" not in keys
    quiet = client.get("/customers/?quiet_days=30").get_data(as_text=True)
    assert "普通客户乙" in quiet and "重点客户甲" not in quiet
    assert "第 1 页，共 2 页" in client.get("/customers/").get_data(as_text=True)
    assert client.get("/customers/?page=2").status_code == 200
    assert client.get("/customers/?sort=nonsense;drop").status_code == 200


def test_the_purchase_and_feedback_forms_come_alone_for_the_page_or_as_a_page_of_their_own(
    app, client, login_as
) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent, name="周芷若").id
        db.session.commit()
    show = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    for path, button in [("purchases/new", "保存购买记录"), ("feedback/new", "保存反馈")]:
        assert f'hx-get="/customers/{customer_id}/{path}"' in show
        assert button not in show
        alone = client.get(f"/customers/{customer_id}/{path}", headers={"HX-Request": "true"})
        assert button in alone.get_data(as_text=True)
        assert "<html" not in alone.get_data(as_text=True)
        whole = client.get(f"/customers/{customer_id}/{path}").get_data(as_text=True)
        assert "<html" in whole and button in whole and "周芷若" in whole
    assert client.get("/customers/999999/purchases/new").status_code == 404
