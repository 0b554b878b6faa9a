"""Importing customers: encodings, dry run row by row, all-or-nothing, upsert, undo."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.customers import import_commit, import_files, import_store, import_undo, imports
from crm.customers.import_models import ImportBatch, ImportMode
from crm.customers.models import Customer
from crm.customers.services import ProfileInput, update_customer
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from tests.conftest import csrf_token
from tests.customers.jobs import work_jobs
from tests.factories import make_customer, make_user

GOOD_AND_BAD = (
    "姓名,手机,邮箱,公司,级别\n"
    "张三,13800138000,zs@example.cn,武当科技,VIP\n"
    ",13800138001,,,\n"  # line 3: no name
    "李四,12345,,,\n"  # line 4: bad phone
    "王五,13800138000,,,\n"  # line 5: same phone as line 2
    "赵六,13800138002,,,关键客户\n"
    "钱七,13800138003,,,国王\n"  # line 7: unknown tier
)


def live_customers() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
    )


@pytest.fixture
def supervisor(ctx):
    return make_user(username="boss", roles=["supervisor"])


def upload(actor, text: str, *, encoding: str = "utf-8", name: str = "客户.csv") -> ImportBatch:
    batch, _ = imports.start_import(actor=actor, filename=name, data=text.encode(encoding))
    return batch


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_excel_encoding_reads_the_same(ctx, encoding) -> None:
    table = import_files.read_table("a.csv", GOOD_AND_BAD.encode(encoding))
    assert table.header == ["姓名", "手机", "邮箱", "公司", "级别"]
    assert next(table.iter_rows())[:2] == ["张三", "13800138000"]


def test_xlsx_with_numbers_for_phones_reads_as_text(ctx) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Mobile"])
    sheet.append(["Li Wei", 13800138000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = import_files.read_table("list.xlsx", buffer.getvalue())
    assert list(table.iter_rows()) == [["Li Wei", "13800138000"]]
    assert import_files.guess_mapping(table.header) == {"0": "name", "1": "phones"}


@pytest.mark.parametrize(
    ("name", "data"),
    [("a.pdf", b"%PDF"), ("a.csv", b"only,a,header\n"), ("a.xlsx", b"not a zip")],
)
def test_unreadable_files_are_refused_with_a_reason(ctx, name, data) -> None:
    with pytest.raises(DomainError) as refused:
        import_files.read_table(name, data)
    assert refused.value.field == "file"


def test_the_dry_run_reports_each_row_and_changes_nothing(supervisor) -> None:
    batch = upload(supervisor, GOOD_AND_BAD)
    imports.dry_run(
        actor=supervisor, batch=batch, mapping=batch.mapping, mode=ImportMode.ALL_OR_NOTHING
    )
    plans = list(imports.outcome_rows(batch))
    assert [(p.line, p.action) for p in plans] == [
        (2, "create"),
        (3, "reject"),
        (4, "reject"),
        (5, "duplicate"),
        (6, "create"),
        (7, "reject"),
    ]
    reasons = {p.line: p.message for p in plans if p.action in ("reject", "duplicate")}
    assert "姓名" in reasons[3]
    assert "12345" in reasons[4]
    assert "2" in reasons[5]
    assert "国王" in reasons[7]
    assert batch.summary == {
        "rows": 6,
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "duplicates_in_file": 1,
        "conflicts": 0,
        "rejected": 3,
        "rejected_by_reason": {"name": 1, "phone": 1, "tier": 1},
        "warnings": 0,
        "encoding": "utf-8",
    }
    assert live_customers() == 0


def test_all_or_nothing_with_bad_rows_commits_nothing(supervisor) -> None:
    batch = upload(supervisor, GOOD_AND_BAD)
    imports.dry_run(actor=supervisor, batch=batch, mapping=batch.mapping, mode="all_or_nothing")
    db.session.commit()
    with pytest.raises(DomainError):
        import_commit.commit_import(actor=supervisor, batch=batch)
    db.session.rollback()
    assert live_customers() == 0


def test_skip_invalid_imports_the_good_rows_with_their_tiers(supervisor) -> None:
    batch = upload(supervisor, GOOD_AND_BAD)
    imports.dry_run(actor=supervisor, batch=batch, mapping=batch.mapping, mode="skip_invalid")
    import_commit.commit_import(actor=supervisor, batch=batch)
    db.session.commit()
    tiers = dict(db.session.execute(select(Customer.name, Customer.tier)).all())
    assert tiers == {"张三": "vip", "赵六": "key"}
    assert not import_store.has_file(batch)  # the file is not kept after the commit


def test_a_known_phone_updates_the_customer_and_keeps_its_other_numbers(supervisor) -> None:
    existing = make_customer(
        actor=supervisor, name="张三", phones=["13800138000", "13900139000"], company="旧公司"
    )
    db.session.commit()
    batch = upload(supervisor, "姓名,手机,公司\n张三,+86 138 0013 8000,新公司\n")
    imports.dry_run(actor=supervisor, batch=batch, mapping=batch.mapping, mode="skip_invalid")
    plans = list(imports.outcome_rows(batch))
    assert [(p.action, p.customer_id) for p in plans] == [("update", existing.id)]
    import_commit.commit_import(actor=supervisor, batch=batch)
    db.session.commit()
    db.session.refresh(existing)
    assert existing.company == "新公司"
    assert [p.number for p in existing.phones] == ["+8613800138000", "+8613900139000"]


def test_undo_deletes_new_customers_and_restores_updated_ones_unless_edited_since(
    supervisor,
) -> None:
    kept = make_customer(actor=supervisor, name="甲", phones=["13800138000"], company="甲旧")
    edited = make_customer(actor=supervisor, name="乙", phones=["13800138001"], company="乙旧")
    db.session.commit()
    batch = upload(
        supervisor,
        "姓名,手机,公司\n甲,13800138000,甲新\n乙,13800138001,乙新\n丙,13800138002,丙新\n",
    )
    imports.dry_run(actor=supervisor, batch=batch, mapping=batch.mapping, mode="all_or_nothing")
    import_commit.commit_import(actor=supervisor, batch=batch)
    db.session.commit()
    assert live_customers() == 3
    update_customer(
        actor=supervisor,
        customer=edited,
        expected_version=edited.version,
        data=ProfileInput(name="乙", phones=["13800138001"], company="乙之后改的"),
    )
    db.session.commit()

    result = import_undo.undo_import(actor=supervisor, batch=batch)
    db.session.commit()
    assert result == {"deleted": 1, "restored": 1, "refused": [edited.id]}
    assert live_customers() == 2
    assert db.session.get(Customer, kept.id).company == "甲旧"
    assert db.session.get(Customer, edited.id).company == "乙之后改的"
    with pytest.raises(DomainError):
        import_undo.undo_import(actor=supervisor, batch=batch)


def test_agents_cannot_import(ctx) -> None:
    agent = make_user(username="agent", roles=["agent"])
    with pytest.raises(PermissionDenied):
        upload(agent, GOOD_AND_BAD)


def test_a_supervisor_imports_through_the_pages(app, client, login_as) -> None:
    login_as("supervisor")
    token = csrf_token(client, "/customers/import/")
    response = client.post(
        "/customers/import/",
        data={
            "file": (io.BytesIO("姓名,电话\n孙八,13800138009\n".encode("gb18030")), "名单.csv"),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    batch_url = response.headers["Location"]
    batch_id = int(batch_url.rsplit("/", 1)[-1])
    checked = client.post(
        f"/customers/import/{batch_id}/check",
        data={
            "column-0": "name",
            "column-1": "phones",
            "mode": "all_or_nothing",
            "csrf_token": token,
        },
    )
    assert checked.status_code == 302  # queued for the scheduler
    assert 'data-testid="import-progress"' in client.get(batch_url).get_data(as_text=True)
    work_jobs(app)
    assert 'data-action="create"' in client.get(batch_url).get_data(as_text=True)
    client.post(f"/customers/import/{batch_id}/commit", data={"csrf_token": token})
    work_jobs(app)
    with app.app_context():
        assert db.session.scalar(select(Customer.name)) == "孙八"
