"""Identity rules: the phone identifies a customer; an e-mail never merges two people."""

from __future__ import annotations

import pytest

from crm.customers import identity, import_commit, imports, services
from crm.customers.models import Customer
from crm.extensions import db
from tests.factories import make_customer, make_user


@pytest.fixture
def supervisor(ctx):
    return make_user(username="boss", roles=["supervisor"])


def run(actor, text: str, *, commit: bool = True):
    """The batch and each row's outcome (as written to ``import_rows``)."""
    batch, _ = imports.start_import(actor=actor, filename="a.csv", data=text.encode())
    imports.dry_run(actor=actor, batch=batch, mapping=batch.mapping, mode="skip_invalid")
    if commit:
        import_commit.commit_import(actor=actor, batch=batch)
    return batch, list(imports.outcome_rows(batch))


def test_a_row_sharing_only_an_email_creates_a_new_customer_and_warns(supervisor) -> None:
    stranger = make_customer(
        actor=supervisor, name="王芳", phones=["13900000001"], email="family@example.cn", tier="key"
    )
    batch, plans = run(
        supervisor, "姓名,手机,邮箱,等级\n王小明,13800138000,family@example.cn,普通\n"
    )
    db.session.refresh(stranger)
    assert (stranger.name, stranger.tier) == ("王芳", "key")  # untouched
    assert [p.action for p in plans] == ["create"]
    assert plans[0].warnings and str(stranger.id) in plans[0].warnings
    assert batch.summary["new"] == 1 and batch.summary["warnings"] == 1
    assert db.session.query(Customer).count() == 2


def test_a_phone_match_with_a_clearly_different_name_is_a_conflict(supervisor) -> None:
    held = make_customer(actor=supervisor, name="张三", phones=["13800138000"], company="旧")
    batch, plans = run(supervisor, "姓名,手机,公司\n李四,+86 138 0013 8000,新\n")
    db.session.refresh(held)
    assert (held.name, held.company) == ("张三", "旧")
    assert plans[0].action == "conflict" and plans[0].customer_id == held.id
    assert batch.summary["conflicts"] == 1


def test_a_phone_match_with_the_same_name_updates(supervisor) -> None:
    held = make_customer(actor=supervisor, name="张三", phones=["13800138000"], company="旧")
    _batch, plans = run(supervisor, "姓名,手机,公司\n 张三 ,138-0013-8000,新\n")
    assert plans[0].action == "update"
    db.session.refresh(held)
    assert held.company == "新"


@pytest.mark.parametrize(
    ("a", "b", "different"),
    [
        ("张三", "张 三", False),
        ("Li Wei", "li wei", False),
        ("张三", "张三先生", False),
        ("张三", "李四", True),
        ("", "李四", False),
    ],
)
def test_names_clearly_different(a, b, different) -> None:
    assert identity.names_clearly_differ(a, b) is different


def test_the_form_and_api_create_only_warn_on_a_shared_email(supervisor) -> None:
    other = make_customer(actor=supervisor, name="王芳", phones=[], email="f@example.cn")
    created = services.create_customer(
        actor=supervisor,
        data=services.ProfileInput(name="王小明", phones=["13800138000"], email="f@example.cn"),
    )
    assert created.id != other.id
    assert [c.id for c in identity.email_shared_with("F@example.cn", exclude_id=created.id)] == [
        other.id
    ]


def test_merge_suggestions_come_from_phones_not_emails(supervisor) -> None:
    one = make_customer(actor=supervisor, name="王芳", phones=["13900000001"], email="f@example.cn")
    make_customer(actor=supervisor, name="王小明", phones=["13900000002"], email="f@example.cn")
    same = make_customer(actor=supervisor, name="王芳", phones=["13900000001"])
    found = services.find_duplicates(phones=["+8613900000001"])
    assert {c.id for c in found} == {one.id, same.id}


def test_an_edit_cannot_take_a_number_on_file_for_someone_else(supervisor) -> None:
    make_customer(actor=supervisor, name="王芳", phones=["13900000001"])
    other = make_customer(actor=supervisor, name="李四", phones=["13900000002"])
    with pytest.raises(services.DuplicateCustomer):
        services.update_customer(
            actor=supervisor,
            customer=other,
            expected_version=other.version,
            data=services.ProfileInput(name="李四", phones=["13900000002", "13900000001"]),
        )


def test_the_form_creates_with_a_shared_email_and_warns(app, client, login_as) -> None:
    from tests.conftest import csrf_token

    agent = login_as("agent")
    with app.app_context():
        make_customer(actor=agent, name="王<b>芳</b>", phones=["13900000001"], email="f@example.cn")
        db.session.commit()
    token = csrf_token(client, "/customers/new")
    response = client.post(
        "/customers/new",
        data={
            "csrf_token": token,
            "name": "王小明",
            "phones": "14012345678",
            "email": "f@example.cn",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "王&lt;b&gt;芳&lt;/b&gt;" in page and "<b>芳" not in page
    assert "号段" in page  # possible, outside the known ranges: created, with a warning
