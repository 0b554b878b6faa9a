"""The role x route matrix, built against ``app.url_map``: a new route without an entry here
fails the suite, and every entry is checked for every role over HTTP."""

from __future__ import annotations

import pytest
from flask import Flask

from crm.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from crm.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_user

PUBLIC = "public"
LOGIN = "login"

#: (endpoint, method) -> (path, who may use it). ``{other}`` is another user's id.
MATRIX: dict[tuple[str, str], tuple[str, str | Permission]] = {
    ("core.home", "GET"): ("/", LOGIN),
    ("core.healthz", "GET"): ("/healthz", PUBLIC),
    ("core.readyz", "GET"): ("/readyz", PUBLIC),
    ("core.set_language", "POST"): ("/language", PUBLIC),
    ("auth.login", "GET"): ("/login", PUBLIC),
    ("auth.login", "POST"): ("/login", PUBLIC),
    ("auth.logout", "POST"): ("/logout", LOGIN),
    ("auth.account", "GET"): ("/account", LOGIN),
    ("auth.update_preferences", "POST"): ("/account/preferences", LOGIN),
    ("auth.change_password", "POST"): ("/account/password", LOGIN),
    ("users.index", "GET"): ("/admin/users/", Permission.USERS_MANAGE),
    ("users.create", "GET"): ("/admin/users/new", Permission.USERS_MANAGE),
    ("users.create", "POST"): ("/admin/users/new", Permission.USERS_MANAGE),
    ("users.edit", "GET"): ("/admin/users/{other}", Permission.USERS_MANAGE),
    ("users.edit", "POST"): ("/admin/users/{other}", Permission.USERS_MANAGE),
    ("users.reset_password", "POST"): ("/admin/users/{other}/password", Permission.USERS_MANAGE),
    ("users.set_active", "POST"): ("/admin/users/{other}/active", Permission.USERS_MANAGE),
    ("audit.index", "GET"): ("/admin/audit/", Permission.AUDIT_VIEW),
}


def routes_in(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry_in_the_matrix(app: Flask) -> None:
    assert routes_in(app) == set(MATRIX)


def test_protected_views_declare_the_permission_of_the_matrix(app: Flask) -> None:
    for (endpoint, _method), (_path, access) in MATRIX.items():
        declared = getattr(app.view_functions[endpoint], "required_permission", None)
        expected = access if isinstance(access, Permission) else None
        assert declared == expected, endpoint


def _request(client, method: str, path: str, token: str):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token})


@pytest.fixture
def other_user_id(app: Flask) -> int:
    with app.app_context():
        return make_user(username="target.user").id


def test_anonymous_users_reach_only_public_routes(app, client, other_user_id) -> None:
    token = csrf_token(client)
    for (endpoint, method), (path, access) in MATRIX.items():
        response = _request(client, method, path.format(other=other_user_id), token)
        if access == PUBLIC:
            assert response.status_code not in (401, 403), endpoint
        else:
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/login"), endpoint


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_gets_403_exactly_where_it_lacks_the_permission(
    app, client, login_as, other_user_id, role
) -> None:
    login_as(role.value)
    token = csrf_token(client, "/account")
    wrong = []
    for (endpoint, method), (path, access) in MATRIX.items():
        if endpoint == "auth.logout":
            continue  # signing out would end the session the rest of the loop needs
        response = _request(client, method, path.format(other=other_user_id), token)
        denied = response.status_code == 403
        should_deny = isinstance(access, Permission) and access not in ROLE_PERMISSIONS[role]
        if denied != should_deny or response.status_code >= 500:
            wrong.append((endpoint, method, response.status_code))
    assert wrong == []


def test_an_unknown_user_id_is_404_for_an_admin(client, login_as) -> None:
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404


def test_no_get_route_changes_the_database(app, client, login_as, other_user_id) -> None:
    login_as("admin")

    def snapshot() -> dict[str, list[tuple]]:
        with app.app_context():
            return {
                table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
                for table in db.metadata.sorted_tables
            }

    before = snapshot()
    for (endpoint, method), (path, _access) in MATRIX.items():
        if method == "GET":
            assert client.get(path.format(other=other_user_id)).status_code < 500, endpoint
    assert snapshot() == before


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
    app, client, login_as, other_user_id
) -> None:
    login_as("admin")
    with app.app_context():
        audit_rows = db.session.execute(db.text("SELECT count(*) FROM audit_entries")).scalar()
    for (endpoint, method), (path, _access) in MATRIX.items():
        if method != "GET":
            response = client.post(path.format(other=other_user_id), data={"active": "0"})
            assert response.status_code == 400, endpoint
    with app.app_context():
        after = db.session.execute(db.text("SELECT count(*) FROM audit_entries")).scalar()
    assert after == audit_rows
    assert client.get("/").status_code == 200  # still signed in: logout was refused too
