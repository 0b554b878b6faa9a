"""Signing in and out, switching language, and meeting a 403, in Chromium, in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

TEXT = {
    "zh": {
        "switch": "简体中文",
        "sign_in": "登录",
        "username": "用户名",
        "password": "密码",
        "users": "用户管理",
        "audit": "审计日志",
        "admin": "管理",
        "sign_out": "退出登录",
        "signed_out": "您已退出登录。",
        "no_access": "无权访问",
        "home": "首页",
        "html_lang": "zh-CN",
    },
    "en": {
        "switch": "English",
        "sign_in": "Sign in",
        "username": "Username",
        "password": "Password",
        "users": "Users",
        "audit": "Audit log",
        "admin": "Admin",
        "sign_out": "Sign out",
        "signed_out": "You have signed out.",
        "no_access": "No access",
        "home": "Home",
        "html_lang": "en",
    },
}


@pytest.fixture
def people(app) -> None:
    with app.app_context():
        make_user(username="chen.jing", display_name="陈静", roles=["admin"])
        make_user(username="liu.yang", display_name="刘洋", roles=["agent"])


def sign_in(page: Page, base_url: str, lang: str, username: str) -> None:
    text = TEXT[lang]
    page.goto(f"{base_url}/login")
    page.get_by_role("button", name=text["switch"]).click()
    expect(page.locator("html")).to_have_attribute("lang", text["html_lang"])
    page.get_by_label(text["username"]).fill(username)
    page.get_by_label(text["password"], exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label(text["password"], exact=True).press("Enter")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_signs_in_sees_admin_navigation_and_signs_out(
    page: Page, live_server, people, lang
) -> None:
    text = TEXT[lang]
    sign_in(page, live_server.url, lang, "chen.jing")
    nav = page.get_by_test_id("main-nav")
    nav.get_by_role("button", name=text["admin"]).click()
    expect(nav.get_by_role("link", name=text["users"])).to_be_visible()
    expect(nav.get_by_role("link", name=text["audit"])).to_be_visible()
    page.get_by_role("button", name=text["sign_out"]).click()
    expect(page.get_by_role("alert").filter(has_text=text["signed_out"])).to_be_visible()
    expect(page.get_by_role("heading", name=text["sign_in"])).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_agent_sees_only_agent_navigation_and_gets_403_on_admin_pages(
    page: Page, live_server, people, lang
) -> None:
    text = TEXT[lang]
    sign_in(page, live_server.url, lang, "liu.yang")
    nav = page.get_by_test_id("main-nav")
    expect(nav.get_by_role("link", name=text["home"])).to_be_visible()
    expect(nav.get_by_role("link", name=text["users"])).to_have_count(0)
    expect(nav.get_by_role("link", name=text["audit"])).to_have_count(0)
    expect(nav.get_by_role("button", name=text["admin"])).to_have_count(0)
    response = page.goto(f"{live_server.url}/admin/users/")
    assert response.status == 403
    expect(page.get_by_test_id("error-page")).to_contain_text(text["no_access"])


def test_the_language_switch_changes_the_whole_page_and_back(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_a_wrong_password_shows_the_message_and_keeps_the_username(
    page: Page, live_server, people
) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("用户名").fill("liu.yang")
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="用户名或密码错误")).to_be_visible()
    expect(page.get_by_label("用户名")).to_have_value("liu.yang")
