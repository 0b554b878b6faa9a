"""Chinese labels that were wrong: each form names its own thing, and counts agree in number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, ngettext

from crm.api.tokens import create_token
from crm.auth.models import User
from crm.database import utcnow
from crm.extensions import db
from crm.i18n import force_locale as crm_force_locale
from crm.i18n import ngettext as crm_ngettext

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("roles", "path", "shown", "wrong"),
    [
        (["qa"], "/qa/calibrations", "新建校准会", "新建培训"),
        (["qa"], "/qa/scorecards/new", "评分表名称", ">姓名<"),
        (["qa"], "/qa/scorecards", "评分表名称", ">姓名<"),
        (["agent"], "/account/tokens/", "令牌名称", ">姓名<"),
        (["admin"], "/admin/sla/", "节假日名称", ">姓名<"),
    ],
)
def test_a_form_names_its_own_thing(login_as, client, roles, path, shown, wrong) -> None:
    login_as(*roles)
    page = client.get(path).get_data(as_text=True)
    assert shown in page
    assert wrong not in page


def test_a_figure_from_one_row_says_row(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert ngettext("from %(num)d row", "from %(num)d rows", 1) == "from 1 row"
        assert ngettext("%(num)d row", "%(num)d rows", 2) == "2 rows"
    for name in ("dashboard.html", "drill.html"):
        template = (ROOT / "crm/templates/reports" / name).read_text(encoding="utf-8")
        assert 'ngettext("from %(num)d row", "from %(num)d rows"' in template
        assert 'rows", n=' not in template


def test_the_api_reference_reads_in_chinese(login_as, client) -> None:
    login_as("agent")
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "客服 CRM API" in page
    assert "按电话号码查找客户（来电弹屏）" in page
    assert "所需权限：" in page
    assert "Find the customers who have a phone number" not in page
    assert "Personal API tokens" not in page


@pytest.mark.parametrize(
    ("locale", "one", "two"),
    [
        ("en", "1 callback reassigned.", "2 callbacks reassigned."),
        ("zh_Hans_CN", "已重新分配 1 个回访。", "已重新分配 2 个回访。"),
    ],
)
def test_a_count_in_a_message_agrees_in_number(app: Flask, locale, one, two) -> None:
    singular, plural = "%(num)d callback reassigned.", "%(num)d callbacks reassigned."
    with app.test_request_context(), crm_force_locale(locale):
        assert crm_ngettext(singular, plural, 1) == one
        assert crm_ngettext(singular, plural, 2) == two


def test_the_audit_log_names_a_tokens_name_not_a_persons(app: Flask, login_as, client) -> None:
    admin = login_as("admin")
    with app.app_context():
        create_token(actor=db.session.get(User, admin.id), name="工单系统", now=utcnow())
        db.session.commit()
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert re.search(r"名称:</span>\s*工单系统", page)
    assert not re.search(r"姓名:</span>\s*工单系统", page)
