"""The import pages: the mapping preselects each column's own guess, the summary shows counts,
and the report of rows not applied downloads as a formula-guarded CSV."""

from __future__ import annotations

import csv
import io
import re

from tests.conftest import csrf_token
from tests.customers.jobs import work_jobs

FILE = (
    "姓名,手机,邮箱\n"
    "张三,13800138000,z@example.cn\n"
    '=HYPERLINK("x"),12345,\n'  # line 3: bad phone, formula name
    "李四,13800138000,\n"  # line 4: same phone as line 2
)


def _upload(client) -> tuple[int, str]:
    token = csrf_token(client, "/customers/import/")
    response = client.post(
        "/customers/import/",
        data={"file": (io.BytesIO(FILE.encode("gb18030")), "名单.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    return int(response.headers["Location"].rsplit("/", 1)[-1]), token


def _dry_run(client, batch_id: int, token: str) -> None:
    """Ask for the dry run of the uploaded file (name, phone, e-mail), skipping bad rows."""
    client.post(
        f"/customers/import/{batch_id}/check",
        data={
            "column-0": "name",
            "column-1": "phones",
            "column-2": "email",
            "mode": "skip_invalid",
            "csrf_token": token,
        },
    )


def test_each_column_preselects_its_own_guess(client, login_as) -> None:
    login_as("supervisor")
    batch_id, _token = _upload(client)
    page = client.get(f"/customers/import/{batch_id}").get_data(as_text=True)
    chosen = {}
    for column, body in re.findall(r'name="column-(\d+)">(.*?)</select>', page, re.S):
        chosen[column] = re.findall(r'<option value="(\w+)" selected', body)
    assert chosen == {"0": ["name"], "1": ["phones"], "2": ["email"]}


def test_the_summary_shows_counts_and_the_report_downloads(app, client, login_as) -> None:
    login_as("supervisor")
    batch_id, token = _upload(client)
    _dry_run(client, batch_id, token)
    work_jobs(app)
    checked = client.get(f"/customers/import/{batch_id}").get_data(as_text=True)
    assert "built-in method" not in checked
    assert 'data-testid="encoding"' in checked and "gb18030" in checked
    assert 'data-testid="report-download"' in checked
    report = client.get(f"/customers/import/{batch_id}/report.csv")
    assert report.status_code == 200
    assert "attachment" in report.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows[0]) == 6
    by_line = {row[0]: row for row in rows[1:]}
    assert set(by_line) == {"3", "4"}
    assert by_line["3"][2].startswith("'=")  # the formula is inert
    assert "12345" in by_line["3"][4]


def test_before_the_job_has_counted_the_file_the_progress_says_so(client, login_as) -> None:
    login_as("supervisor")
    batch_id, token = _upload(client)
    _dry_run(client, batch_id, token)
    # No scheduler has taken the job yet: no "0 of 0 rows" and an empty bar.
    figures = client.get(f"/customers/import/{batch_id}/progress").get_data(as_text=True)
    figures = figures.split('data-testid="progress-figures">', 1)[1].split("</p>", 1)[0]
    assert "0 / 0" not in figures and "0 of 0" not in figures
    assert "正在清点文件的行数" in figures or "Counting the file" in figures
