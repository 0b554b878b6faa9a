"""The service plan: its figures are the dashboard's (zh and en), an approved version never
changes, and the PDF and DOCX carry the Chinese headings with user text kept as text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from docx import Document
from sqlalchemy import select

from crm.auth.models import User
from crm.database import utcnow
from crm.demo import DEMO_PASSWORD
from crm.extensions import db
from crm.plans.compose import parse_period, previous
from crm.plans.models import PlanVersion
from crm.plans.services import BudgetLine, approve_plan, create_plan, find_plan, save_plan
from crm.reports.models import ServiceTarget
from crm.reports.scope import KPI_KEYS
from crm.timezones import department_today
from tests.conftest import csrf_token, login
from tests.plans.support import seed_small_demo

#: poppler-utils (SYSTEM_PACKAGES): the PDF read back as text
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
HOSTILE = '<script>alert("x")</script><b>粗体</b>'


def _pdf_text(data: bytes, *options: str) -> str:
    command = [PDFTOTEXT, *options, "-", "-"]
    # A fixed system tool reading the bytes the app made.
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()  # noqa: S603


def _cells(html: str, prefix: str) -> dict[str, str]:
    return {
        key: value.strip()
        for key, value in re.findall(rf'data-testid="{prefix}-(\w+)">([^<]*)<', html)
    }


def _this_quarter() -> str:
    today = department_today(utcnow())
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_the_plan_shows_the_dashboards_figures(app, client, locale) -> None:
    with app.app_context():
        label = _this_quarter()
        seed_small_demo()
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        supervisor.locale = locale
        db.session.commit()
    login(client, "supervisor", DEMO_PASSWORD)
    response = client.post(
        "/plans/", data={"csrf_token": csrf_token(client, "/plans/"), "period": label}
    )
    assert response.status_code == 302
    plan_page = client.get(f"/plans/{label}").get_data(as_text=True)
    dashboard = client.get(f"/reports/?quarter={previous(label)}").get_data(as_text=True)
    shown = _cells(dashboard, "value")
    assert set(shown) == set(KPI_KEYS)
    assert _cells(plan_page, "actual") == shown
    year = str(parse_period(label).start.year + 1)
    client.post("/plans/", data={"csrf_token": csrf_token(client, "/plans/"), "period": year})
    last = parse_period(previous(year))
    dashboard = client.get(
        f"/reports/?start={last.start.isoformat()}&end={last.last_day.isoformat()}"
    ).get_data(as_text=True)
    assert _cells(client.get(f"/plans/{year}").get_data(as_text=True), "actual") == _cells(
        dashboard, "value"
    )


def test_editing_an_approved_plan_makes_a_new_version_and_the_approved_figures_stay(
    ctx, login_as
) -> None:
    from tests.factories import make_user

    boss = make_user(roles=["supervisor"])
    now = utcnow()
    plan = create_plan(actor=boss, label="2027", now=now)
    save_plan(
        actor=boss,
        plan=plan,
        narratives={"targets": "提升满意度"},
        budget=[BudgetLine("培训", "1000", "")],
        now=now,
    )
    approved = approve_plan(actor=boss, plan=plan, now=now)
    db.session.commit()
    frozen = dict(approved.figures)
    # The world moves on: a target changes and a new plan edit is saved.
    target = db.session.get(ServiceTarget, "satisfaction")
    target.target = Decimal("95")
    db.session.commit()
    version = save_plan(
        actor=boss,
        plan=plan,
        narratives={"targets": "提升到95%"},
        budget=[],
        now=now + timedelta(days=1),
    )
    db.session.commit()
    assert (version.number, version.status) == (2, "draft")
    assert version.figures["targets"]["satisfaction"]["target"] == 95.0
    db.session.expire_all()
    kept = db.session.scalar(select(PlanVersion).where(PlanVersion.number == 1))
    assert kept.status == "approved"
    assert kept.figures == frozen
    assert kept.figures["targets"]["satisfaction"]["target"] != 95.0
    assert kept.narratives == {"targets": "提升满意度"}
    assert find_plan("2027").approved.id == kept.id


def _hostile_plan(client) -> None:
    client.post("/plans/", data={"csrf_token": csrf_token(client, "/plans/"), "period": "2027"})
    token = csrf_token(client, "/plans/2027/edit")
    data = {"csrf_token": token, "current_state": HOSTILE, "training": "每月一次培训"}
    data.update({"item": [HOSTILE, "讲师"], "amount": ["12.5", "3000"], "note": [HOSTILE, ""]})
    response = client.post("/plans/2027/edit", data=data)
    assert response.status_code == 302


def test_markup_in_narratives_and_budget_is_text_on_the_page_and_in_docx(
    app, client, login_as
) -> None:
    login_as("supervisor")
    _hostile_plan(client)
    page = client.get("/plans/2027").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>粗体" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;粗体&lt;/b&gt;" in page
    assert "3012.50" in page
    response = client.get("/plans/2027/export?format=docx&lang=zh")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert HOSTILE in text and HOSTILE in cells
    assert "服务目标" in text and "应急预案" in text


def test_the_pdf_renders_the_chinese_headings_and_user_text_as_text(app, client, login_as) -> None:
    login_as("supervisor")
    _hostile_plan(client)
    response = client.get("/plans/2027/export?format=pdf&lang=zh")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = _pdf_text(response.data, "-layout")
    for heading in ("现状", "服务目标", "服务内容与流程", "服务标准", "人员培训", "应急预案"):
        assert heading in text, heading
    assert '<script>alert("x")</script><b>粗体</b>' in text.replace("\n", "")
    english = client.get("/plans/2027/export?format=pdf&lang=en")
    plain = _pdf_text(english.data)
    assert "Service targets" in plain


def test_the_cli_writes_the_plan(app, tmp_path) -> None:
    out = tmp_path / "plan.docx"
    result = app.test_cli_runner().invoke(
        args=[
            "service-plan",
            "--period",
            "2027Q1",
            "--lang",
            "en",
            "--format",
            "docx",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Service plan 2027Q1" in Document(str(out)).paragraphs[0].text
    bad = app.test_cli_runner().invoke(
        args=["service-plan", "--period", "2027Q5", "--out", str(out)]
    )
    assert bad.exit_code != 0


def test_the_review_sets_each_promise_beside_what_the_period_achieved(app, client) -> None:
    from crm.plans.actions import ActionInput, create_action
    from crm.reports.monthly import period_figures
    from crm.reports.targets import display_value

    with app.app_context():
        label = _this_quarter()
        seed_small_demo()
        boss = db.session.scalar(select(User).where(User.username == "supervisor"))
        period = parse_period(label)
        create_plan(actor=boss, label=label, now=utcnow())
        create_action(
            actor=boss,
            data=ActionInput(
                "周报复盘",
                "",
                "kpi",
                "",
                "sla_compliance",
                Decimal("3"),
                boss.id,
                period.start,
                period.start + timedelta(days=20),
            ),
            now=utcnow(),
        )
        db.session.commit()
        achieved = {
            key: display_value(figure) for key, figure in period_figures(period).figures.items()
        }
        promised = {
            key: t["target"] for key, t in find_plan(label).latest.figures["targets"].items()
        }
    login(client, "supervisor", DEMO_PASSWORD)
    page = client.get(f"/plans/{label}/review").get_data(as_text=True)
    from crm.reports.labels import format_value
    from crm.reports.scope import UNITS

    with app.app_context():
        expected = {key: format_value(achieved[key], UNITS[key]) for key in promised}
    cells = dict(re.findall(r'data-testid="achieved-(\w+)"><span[^>]*>([^<]*)<', page))
    assert len(cells) == len(promised) and cells == expected
    assert "周报复盘" in page[page.index('data-testid="review-actions"') :]
    assert 'name="period" value="' in page  # the next plan is one click away
