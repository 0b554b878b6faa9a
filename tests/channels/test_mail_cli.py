"""``flask --app wsgi mail-ingest`` and ``mail-fetch`` as an MTA and cron run them: the real
command in its own process against the test's database."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.cases.models import Case
from crm.channels.models import CaseMessage
from crm.extensions import db
from tests.channels.mails import raw_mail
from tests.channels.test_email_parse import gb2312_mail_with_attachment
from tests.factories import make_customer, make_user

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(ROOT / ".venv" / "bin" / "flask")


@pytest.fixture
def flask_command(database_url: str, attachment_dir: str):
    def run(*args: str, stdin: bytes = b"", **config: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "CRM_ENV": "testing",
            "CRM_DATABASE_URL": database_url,
            "CRM_ATTACHMENT_DIR": attachment_dir,
            **config,
        }
        return subprocess.run(  # noqa: S603 - our own command
            [FLASK, "--app", "wsgi", *args],
            cwd=ROOT,
            input=stdin,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )

    return run


def last_json(output: bytes) -> dict:
    return json.loads(output.decode().strip().splitlines()[-1])


def test_mail_ingest_takes_a_message_once_and_prints_json(app, flask_command) -> None:
    with app.app_context():
        boss = make_user(username="boss", roles=["supervisor"])
        customer_id = make_customer(actor=boss, email="zhangsan@example.cn").id
        db.session.commit()

    first = flask_command("mail-ingest", stdin=gb2312_mail_with_attachment())
    assert first.returncode == 0, first.stderr.decode()
    result = last_json(first.stdout)
    assert result["created"] is True and result["customer"] == customer_id
    assert result["ignored"] is None and isinstance(result["case"], int)

    again = flask_command("mail-ingest", stdin=gb2312_mail_with_attachment())
    assert again.returncode == 0, again.stderr.decode()
    assert last_json(again.stdout) == {**result, "created": False}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1
        assert db.session.scalar(select(func.count()).select_from(CaseMessage)) == 1
        assert db.session.get(Case, result["case"]).subject == "订单未到货"


def test_mail_ingest_reports_an_ignored_mail(flask_command) -> None:
    done = flask_command("mail-ingest", stdin=raw_mail(headers={"Precedence": "bulk"}))
    assert done.returncode == 0, done.stderr.decode()
    assert last_json(done.stdout) == {
        "case": None,
        "created": False,
        "customer": None,
        "ignored": "list",
    }


@pytest.mark.parametrize("stdin", [b"", b"no header here\n", b"\x00\xff\xfe binary"])
def test_mail_ingest_refuses_what_is_no_message_with_a_clear_error(flask_command, stdin) -> None:
    done = flask_command("mail-ingest", stdin=stdin)
    assert done.returncode == 65  # EX_DATAERR: the MTA returns it to its sender
    assert b"mail-ingest: not taken" in done.stderr
    assert done.stdout == b""


def test_mail_ingest_asks_the_mta_to_retry_when_the_database_is_unusable(
    flask_command, tmp_path
) -> None:
    missing = tmp_path / "no-such-folder" / "crm.db"
    done = flask_command("mail-ingest", stdin=raw_mail(), CRM_DATABASE_URL=f"sqlite:///{missing}")
    assert done.returncode == 75, done.stderr.decode()  # EX_TEMPFAIL: kept and retried
    assert b"try again later" in done.stderr


def test_mail_fetch_reads_the_mailbox_once_and_says_how_many(
    app, flask_command, imap_mailbox
) -> None:
    imap_mailbox.append(raw_mail(subject="one"))
    imap_mailbox.append(raw_mail(subject="two"))
    config = {f"CRM_{key}": str(value) for key, value in imap_mailbox.config.items()}
    first = flask_command("mail-fetch", **config)
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout.decode().strip().splitlines()[-1] == "Messages taken in: 2"
    again = flask_command("mail-fetch", **config)
    assert again.stdout.decode().strip().splitlines()[-1] == "Messages taken in: 0"
    with app.app_context():
        assert set(db.session.scalars(select(Case.subject))) == {"one", "two"}


def test_mail_fetch_without_a_mailbox_says_so(flask_command) -> None:
    done = flask_command("mail-fetch")
    assert done.returncode != 0
    assert b"No IMAP mailbox is configured" in done.stderr
