"""Mapping templates: saved by column title from the page, used by the upload and the CLI on a
file whose columns come in another order; the undo runs as a job from the page."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from crm.customers import imports
from crm.customers.import_models import ImportBatch
from crm.customers.models import Customer
from crm.extensions import db
from tests.conftest import csrf_token
from tests.customers.jobs import work_jobs
from tests.factories import make_user


def test_a_template_saved_on_the_page_maps_the_cli_file_by_title(app, client, login_as, tmp_path):
    login_as("supervisor")
    token = csrf_token(client, "/customers/import/")
    response = client.post(
        "/customers/import/",
        data={"file": (io.BytesIO("甲,乙,丙\n张三,13800138000,x\n".encode()), "a.csv"),
              "csrf_token": token},
        content_type="multipart/form-data",
    )  # fmt: skip
    batch_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    client.post(
        f"/customers/import/{batch_id}/check",
        data={"column-0": "name", "column-1": "phones", "mode": "skip_invalid",
              "template_name": "旧系统", "template_source": "旧 CRM", "csrf_token": token},
    )  # fmt: skip
    with app.app_context():
        template = imports.find_template("旧系统")
        assert (template.source, template.mapping) == ("旧 CRM", {"甲": "name", "乙": "phones"})
        make_user(username="ops", roles=["supervisor"])
    path = tmp_path / "b.csv"
    path.write_text("乙,丙,甲\n13900139000,y,李四\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["import-customers", str(path), "--commit", "--template", "旧系统", "--as", "ops"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["new"] == 1
    with app.app_context():
        assert db.session.scalar(select(Customer.name)) == "李四"


def test_undo_from_the_page_runs_as_a_job(app, client, login_as) -> None:
    login_as("supervisor")
    token = csrf_token(client, "/customers/import/")
    response = client.post(
        "/customers/import/",
        data={"file": (io.BytesIO("姓名,手机\n王五,13800138001\n".encode()), "c.csv"),
              "csrf_token": token},
        content_type="multipart/form-data",
    )  # fmt: skip
    batch_url = response.headers["Location"]
    batch_id = int(batch_url.rsplit("/", 1)[-1])
    form = {"column-0": "name", "column-1": "phones", "mode": "all_or_nothing"}
    client.post(f"{batch_url}/check", data={**form, "csrf_token": token})
    work_jobs(app)
    client.post(f"{batch_url}/commit", data={"csrf_token": token})
    client.post(f"{batch_url}/commit", data={"csrf_token": token})  # a double click: one job
    work_jobs(app)
    client.post(f"{batch_url}/undo", data={"csrf_token": token})
    assert 'data-testid="import-progress"' in client.get(batch_url).get_data(as_text=True)
    work_jobs(app)
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status == "undone"
        live = select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
        assert db.session.scalar(live) == 0
