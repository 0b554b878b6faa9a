"""The import pipeline from the command line: one JSON object on the last line."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from crm.customers.models import Customer
from crm.extensions import db
from tests.factories import make_customer, make_user

FILE = (
    "客户名称,公司,手机,邮箱,地区,等级,备注\n"
    '张三,"武当, 科技",13800138000,z@example.cn,华东,VIP,"第一行\n第二行"\n'
    "李四,,12345,,,,\n"
    "王五,,+86 138 0013 8001,,,,\n"
    "王五,,138-0013-8001,,,,\n"
)


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Customer))


def test_dry_run_changes_nothing_then_commit_and_undo(app, tmp_path) -> None:
    path = tmp_path / "客户.csv"
    path.write_bytes(FILE.encode("gb18030"))
    with app.app_context():
        make_user(username="ops", roles=["supervisor"])
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-customers", str(path), "--as", "ops"])
    assert dry.exit_code == 0, dry.output
    report = last_json(dry.output)
    assert report == {
        "batch": None,
        "rows": 4,
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "duplicates_in_file": 1,
        "conflicts": 0,
        "rejected": 1,
        "rejected_by_reason": {"phone": 1},
        "warnings": 0,
        "encoding": "gb18030",
    }
    with app.app_context():
        assert count() == 0
    done = runner.invoke(args=["import-customers", str(path), "--commit"])
    assert done.exit_code == 0, done.output
    result = last_json(done.output)
    assert result["new"] == 2 and isinstance(result["batch"], int)
    with app.app_context():
        assert count() == 2
        company = db.session.scalar(select(Customer.company).where(Customer.name == "张三"))
        assert company == "武当, 科技"
    undo = runner.invoke(args=["import-undo", str(result["batch"])])
    assert undo.exit_code == 0, undo.output
    assert last_json(undo.output) == {"batch": result["batch"], "restored": 2, "refused": 0}


def test_unknown_template_and_user_are_refused(app, tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name,phone\nLi,13800138000\n")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-customers", str(path), "--template", "crm-x"])
    assert refused.exit_code != 0 and "unknown template" in refused.output
    nobody = runner.invoke(args=["import-customers", str(path), "--as", "ghost"])
    assert nobody.exit_code != 0


def test_an_update_reports_updated_and_a_second_run_unchanged(app, tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Name,Phone,Company\nLi Wei,13800138000,New Co\n", encoding="utf-8")
    with app.app_context():
        boss = make_user(username="ops", roles=["supervisor"])
        make_customer(actor=boss, name="Li Wei", phones=["13800138000"], company="Old Co")
        db.session.commit()
    runner = app.test_cli_runner()
    first = last_json(runner.invoke(args=["import-customers", str(path), "--commit"]).output)
    second = last_json(runner.invoke(args=["import-customers", str(path), "--commit"]).output)
    assert (first["updated"], first["encoding"]) == (1, "utf-8")
    assert (second["updated"], second["unchanged"]) == (0, 1)
