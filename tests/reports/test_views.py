"""The dashboard pages over HTTP: tiles, drill-down, exports with their audit, targets."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEntry
from crm.cases.services import open_case
from crm.database import utcnow
from crm.extensions import db
from crm.reports.models import MonthlyReport, ServiceTarget
from crm.reports.monthly import report_data
from crm.reports.scope import Period
from crm.surveys.models import Survey
from crm.timezones import department_today
from tests.conftest import csrf_token
from tests.factories import make_customer, make_user


@pytest.fixture
def answered_survey(app) -> int:
    """One answered survey this month whose comment looks like a spreadsheet formula."""
    with app.app_context():
        agent = make_user(username="agent.li", roles=["agent"])
        customer = make_customer(actor=agent, name="=1+1")
        case = open_case(
            actor=agent,
            customer=customer,
            subject="咨询",
            category="inquiry",
            now=utcnow(),
            assignee=agent,
        )
        case.status = "resolved"
        now = utcnow()
        db.session.add(
            Survey(
                case_id=case.id,
                customer_id=customer.id,
                sent_at=now,
                expires_at=now,
                answered_at=now,
                channel="phone",
                attitude=5,
                efficiency=5,
                resolution=5,
                comment="@SUM(A1)",
            )
        )
        db.session.commit()
        return case.id


def _this_month() -> str:
    """The survey is answered now; reports open on the last complete month."""
    return f"month={datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m}"


def test_the_dashboard_shows_every_tile_with_its_target(client, login_as, answered_survey) -> None:
    login_as("supervisor")
    html = client.get(f"/reports/?{_this_month()}").get_data(as_text=True)
    for key in ("satisfaction", "first_response_minutes", "qa_average", "callback_completion"):
        assert f'data-testid="tile-{key}"' in html
    assert 'data-testid="value-satisfaction"' in html and "100.0%" in html
    assert "<svg" in html  # the trend is drawn on the server


def test_drill_down_and_export_guard_formulas_and_are_audited(
    app, client, login_as, answered_survey
) -> None:
    login_as("supervisor")
    page = client.get(f"/reports/kpi/satisfaction?{_this_month()}")
    assert page.status_code == 200 and 'data-testid="drill-rows"' in page.get_data(as_text=True)
    export = client.get(f"/reports/kpi/satisfaction?format=csv&{_this_month()}")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert "'=1+1" in rows[1] and "'@SUM(A1)" in rows[1]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reports.exported"))
        assert entry.details["rows"] == 1
    assert client.get("/reports/kpi/nonsense").status_code == 404


def test_an_agent_cannot_open_the_dashboard_nor_export(client, login_as) -> None:
    login_as("agent")
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/kpi/satisfaction?format=csv").status_code == 403


def test_the_agent_scorecard_marks_missing_parts(client, login_as, answered_survey) -> None:
    login_as("supervisor")
    html = client.get(f"/reports/agents?{_this_month()}").get_data(as_text=True)
    assert 'data-testid="agent-scorecard"' in html
    assert "缺" in html or "missing" in html


def test_an_administrator_sets_targets_and_bad_numbers_change_nothing(
    app, client, login_as
) -> None:
    login_as("admin")
    with app.app_context():
        targets = {t.key: t for t in db.session.scalars(select(ServiceTarget))}
    form = {"csrf_token": csrf_token(client, "/reports/targets")}
    for key, target in targets.items():
        form[f"{key}-baseline"] = "" if target.baseline is None else str(target.baseline)
        form[f"{key}-target"] = str(target.target)
        form[f"{key}-weight"] = (
            "" if target.scorecard_weight is None else str(target.scorecard_weight)
        )
    assert (
        client.post("/reports/targets", data={**form, "satisfaction-target": "abc"}).status_code
        == 400
    )
    assert (
        client.post("/reports/targets", data={**form, "satisfaction-target": "150"}).status_code
        == 400
    )
    assert (
        client.post("/reports/targets", data={**form, "satisfaction-target": "92.5"}).status_code
        == 302
    )
    with app.app_context():
        assert str(db.session.get(ServiceTarget, "satisfaction").target) == "92.50"
        assert str(db.session.get(ServiceTarget, "qa_average").target) == "85.00"


def test_a_kept_monthly_report_is_shown_as_prepared(app, client, login_as) -> None:
    with app.app_context():
        first = department_today(utcnow()).replace(day=1)
        db.session.add(MonthlyReport(month=first, data=report_data(Period.month(first))))
        db.session.commit()
        month = first.strftime("%Y-%m")
    login_as("supervisor")
    assert month in client.get("/reports/monthly").get_data(as_text=True)
    page = client.get(f"/reports/monthly/{month}")
    assert page.status_code == 200 and 'data-testid="monthly-figures"' in page.get_data(
        as_text=True
    )
