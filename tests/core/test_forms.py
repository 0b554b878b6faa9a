"""Forms render exactly as WTForms renders them, and speak each user's language."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from zoneinfo import ZoneInfo

import wtforms.widgets
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from crm.extensions import db
from crm.forms import Form, html_params
from tests.conftest import csrf_token
from tests.factories import make_customer


def shipped_html_params():
    """WTForms' own ``html_params`` from a fresh copy of its module: the app replaces the one
    the widgets use."""
    spec = importlib.util.find_spec("wtforms.widgets.core")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.html_params


WTFORMS_HTML_PARAMS = shipped_html_params()
NAMES = st.sampled_from(
    ["class_", "for_", "id", "name", "value", "data_hx_get", "aria_describedby", 'x"y', "a<b&"]
)
VALUES = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(),
    st.text(max_size=12),
    st.text(max_size=12).map(Markup),
    st.just("\"<&>'"),
)


# The 2-core CI machine runs other work beside the tests: no deadline, no timing checks.
@settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(NAMES, VALUES, max_size=6))
def test_attributes_render_exactly_as_wtforms_renders_them(attributes) -> None:
    ours, theirs = html_params(**attributes), WTFORMS_HTML_PARAMS(**attributes)
    assert isinstance(ours, Markup)
    assert str(ours) == str(theirs)


def test_the_app_renders_every_widget_and_label_with_the_fast_attributes(app) -> None:
    assert wtforms.widgets.core.html_params is html_params
    assert wtforms.widgets.html_params is html_params
    assert wtforms.widgets.core.Input.html_params is html_params
    assert wtforms.widgets.core.Button.html_params is html_params


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(subclasses(child) for child in found))


def test_every_form_takes_wtforms_messages_from_the_catalog_kept_per_language(app) -> None:
    forms = subclasses(FlaskForm) - {Form}
    assert len(forms) > 30
    assert [form.__name__ for form in forms if not issubclass(form, Form)] == []


def test_wtforms_own_messages_follow_each_users_language(app, client, login_as) -> None:
    agent = login_as("agent")
    with app.app_context():
        customer_id = make_customer(actor=agent).id
        db.session.commit()
    too_long = {
        "channel": "phone",
        "direction": "inbound",
        "category": "inquiry",
        "summary": "长" * 201,
        "occurred_at": datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M"),
        "csrf_token": csrf_token(client, f"/customers/{customer_id}"),
    }
    path = f"/customers/{customer_id}/interactions"
    chinese = client.post(path, data=too_long)
    assert chinese.status_code == 400
    assert "字段长度不能超过 200 个字符" in chinese.get_data(as_text=True)
    client.post("/language", data={"locale": "en", "csrf_token": too_long["csrf_token"]})
    english = client.post(path, data=too_long)
    assert "Field cannot be longer than 200 characters." in english.get_data(as_text=True)
