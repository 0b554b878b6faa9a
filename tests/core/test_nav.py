"""The main navigation: grouped by task, only what the role may use, the current page marked."""

from __future__ import annotations

import re

import pytest

from crm.auth.permissions import Role


def nav(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(
        r'<ul class="navbar-nav me-auto" data-testid="main-nav">.*?\n</ul>', page, re.S
    )[0]


def groups(html: str) -> list[str]:
    return re.findall(r'data-nav-group="(\w+)"', html)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.AGENT, ["home", "customers", "service", "callbacks", "quality", "training"]),
        (Role.TRAINER, ["home", "training"]),
        (Role.QA, ["home", "customers", "quality", "training"]),
        (
            Role.SUPERVISOR,
            ["home", "customers", "service", "callbacks", "quality", "training", "reports"],
        ),
        (
            Role.ADMIN,
            [
                "home",
                "customers",
                "service",
                "callbacks",
                "quality",
                "training",
                "reports",
                "admin",
            ],
        ),
    ],
)
def test_each_role_sees_its_groups_and_no_more(client, login_as, role, expected) -> None:
    login_as(role.value)
    assert groups(nav(client)) == expected


def test_every_page_the_admin_had_in_the_bar_is_still_one_click_away(client, login_as) -> None:
    login_as("admin")
    html = nav(client)
    for href in (
        "/customers/",
        "/admin/users/",
        "/admin/audit",
        "/qa/",
    ):
        assert f'href="{href}' in html, href
    # the 16 links of the old bar, the case routing, reply templates, knowledge base, teams and
    # roster: 2 on their own, 17 in the service, callbacks, QA, training and admin menus; the
    # dashboard, customer value and service plans share the reports menu (3 more)
    assert html.count('class="dropdown-item') == 20
    assert html.count("<a ") == 22


def test_the_current_page_and_its_group_are_marked(client, login_as) -> None:
    login_as("admin")
    html = nav(client, "/admin/users/")
    assert html.count('aria-current="page"') == 1
    assert re.search(r'class="dropdown-item active" href="/admin/users/" aria-current="page"', html)
    admin = re.search(r'data-nav-group="admin">\s*<button[^>]*>', html)[0]
    assert "dropdown-toggle active" in admin
    home = nav(client, "/")
    assert re.search(r'class="nav-link active" href="/" aria-current="page">', home)
    assert home.count('aria-current="page"') == 1


def test_a_group_of_one_link_is_that_link(client, login_as) -> None:
    login_as("agent")
    html = nav(client)
    # The one menu: training, with the knowledge base beside one's own record.
    assert html.count("dropdown-toggle") == 1
    assert re.search(r'data-nav-group="training">\s*<button[^>]*dropdown-toggle', html)
    assert ">我的回访<" in html
