"""Every KPI on a small hand-built October 2026, with the expected figures written out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from crm.auth.models import User
from crm.cases.services import open_case
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.qa import scorecards
from crm.reports.dashboard import tiles
from crm.reports.drill import drill
from crm.reports.models import MonthlyReport, ServiceTarget
from crm.reports.monthly import prepare_previous_month
from crm.reports.queries import FIGURES, kpis
from crm.reports.scope import Figure, Filters, Period, scope_for
from crm.reports.scorecard import agent_scorecard
from crm.reports.targets import Standing, TargetInput, attainment, standing, update_targets
from crm.scheduler import run_all
from crm.surveys.models import Survey
from crm.training.attendance import record_attendance
from crm.training.services import ScoreEntry, record_scores
from tests.factories import make_customer, make_plan, make_session, make_task
from tests.qa.support import SMALL_CARD, scored_review, veteran

OCTOBER = Period(date(2026, 10, 1), date(2026, 11, 1))
AUGUST = Period(date(2026, 8, 1), date(2026, 9, 1))


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return datetime(2026, month, day, hour - 8, minute, tzinfo=UTC)


@pytest.fixture
def world(ctx):
    a, b = veteran("agent.a", ["agent"]), veteran("agent.b", ["agent"])
    boss, qa = veteran("boss", ["supervisor"]), veteran("qa.one", ["qa"])
    trainer = veteran("trainer", ["trainer"])
    customer = make_customer(actor=a)

    def case(agent, category, opened, *, response=None, resolved=None, breached=False):
        made = open_case(
            actor=agent,
            customer=customer,
            subject="测试",
            category=category,
            now=opened,
            assignee=agent,
        )
        if response is not None:
            made.first_response_at = opened + timedelta(minutes=response)
        if resolved is not None:
            made.status, made.resolved_at = "resolved", opened + timedelta(hours=resolved)
        else:
            made.status = "in_progress" if response else "new"
        made.response_breached = breached
        return made

    c1 = case(a, "inquiry", local(10, 5), response=30, resolved=2)
    c2 = case(a, "complaint", local(10, 6), response=10, resolved=36)
    c2.status, c2.closed_at = "closed", c2.resolved_at  # complaints count once finally closed
    case(b, "tech_support", local(10, 7), response=20, breached=True)
    case(b, "inquiry", local(10, 8))
    c5 = case(b, "inquiry", local(10, 9), response=40, resolved=4)
    september = case(b, "inquiry", local(9, 20), response=5, resolved=1)

    def survey(on_case, sent, answered=None, ratings=(None, None, None)):
        db.session.add(
            Survey(
                case_id=on_case.id,
                customer_id=customer.id,
                sent_at=sent,
                expires_at=sent + timedelta(days=7),
                answered_at=answered,
                channel="phone",
                attitude=ratings[0],
                efficiency=ratings[1],
                resolution=ratings[2],
            )
        )

    survey(c1, local(10, 6), local(10, 7), (5, 5, 4))  # satisfied
    survey(c2, local(10, 8), local(10, 9), (3, 4, 4))  # 11 of 15: not satisfied
    survey(c5, local(10, 10))  # not answered
    survey(september, local(9, 30), local(10, 1), (5, 5, 5))  # sent in Sept, answered in Oct

    session = make_session(
        actor=trainer, invited=[a, b], month=date(2026, 10, 1), starts_at=local(10, 12)
    )
    record_attendance(
        actor=trainer, session=session, marks={a.id: ("present", None), b.id: ("present", None)}
    )
    record_scores(
        actor=trainer,
        session=session,
        entries=[
            ScoreEntry(a.id, "80", date(2026, 10, 12)),
            ScoreEntry(b.id, "50", date(2026, 10, 12)),
        ],
    )

    card = scorecards.create_scorecard(
        actor=qa, name="小卡", style="weighted", pass_mark=Decimal(80), criteria=SMALL_CARD
    )
    db.session.commit()
    scored_review(card=card, agent=a, reviewer=qa, values=(4, 1, 1), at=local(10, 15))  # 92.50
    scored_review(
        card=card,
        agent=b,
        reviewer=qa,
        values=(5, 1, 0),
        at=local(10, 16),
        comments=("", "", "禁语"),
    )  # 0.00

    statuses = [(a, "done"), (a, "missed"), (a, "due"), (b, "cancelled"), (b, "done")]
    for day, (agent, status) in enumerate(statuses, start=1):
        task = make_task(
            make_plan(actor=boss, customer=customer, assignee=agent), date(2026, 10, day)
        )
        task.status = status
    db.session.commit()
    return {"a": a.id, "b": b.id}


def values(figures) -> dict[str, tuple]:
    return {
        key: (None if f.value is None else round(f.value, 4), f.basis) for key, f in figures.items()
    }


def test_every_kpi_of_the_month(world) -> None:
    assert values(kpis(OCTOBER)) == {
        "satisfaction": (0.6667, 3),  # 2 of the 3 answered in October
        "first_response_minutes": (25.0, 4),  # 30, 10, 20, 40
        "complaint_hours": (36.0, 1),
        "resolution_rate": (0.6, 5),  # 3 of the 5 opened
        "sla_compliance": (0.75, 4),  # 3 resolved within limits; 1 breached
        "survey_return": (0.6667, 3),  # 2 of the 3 sent in October
        "training_pass": (0.5, 2),
        "qa_average": (46.25, 2),
        "callback_completion": (0.5, 4),  # 2 done of done + missed + still due
    }


def test_an_empty_month_has_no_figures_rather_than_zeros(world) -> None:
    assert {key: f.value for key, f in kpis(AUGUST).items()} == dict.fromkeys(kpis(AUGUST))
    assert all(f.basis == 0 for f in kpis(AUGUST).values())


def test_figures_for_one_agent(world) -> None:
    assert values(kpis(OCTOBER, Filters(agent_id=world["a"]))) == {
        "satisfaction": (0.5, 2),
        "first_response_minutes": (20.0, 2),
        "complaint_hours": (36.0, 1),
        "resolution_rate": (1.0, 2),
        "sla_compliance": (1.0, 2),
        "survey_return": (1.0, 2),
        "training_pass": (1.0, 1),
        "qa_average": (92.5, 1),
        "callback_completion": (0.3333, 3),
    }


def test_a_category_filter_leaves_out_what_it_cannot_split(world) -> None:
    figures = kpis(OCTOBER, Filters(category="complaint"))
    assert values(figures)["satisfaction"] == (0.0, 1)
    assert values(figures)["resolution_rate"] == (1.0, 1)
    assert (figures["training_pass"].applies, figures["training_pass"].value) == (False, None)
    assert figures["callback_completion"].applies is False


def test_a_drill_down_lists_the_rows_behind_the_figure(world) -> None:
    rows = drill("satisfaction", OCTOBER).rows
    assert len(rows) == 3
    assert sorted(row[8] for row in rows) == [False, True, True]
    assert len(drill("first_response_minutes", OCTOBER).rows) == 4
    assert len(drill("callback_completion", OCTOBER).rows) == 4
    assert len(drill("training_pass", OCTOBER).rows) == 2
    assert [row[4] for row in drill("qa_average", OCTOBER).rows] == [
        Decimal("92.50"),
        Decimal("0.00"),
    ]


def test_periods_from_arguments(ctx) -> None:
    now = datetime(2026, 11, 23, 4, tzinfo=UTC)
    assert Period.parse({"quarter": "2026Q3"}, now) == Period(date(2026, 7, 1), date(2026, 10, 1))
    assert Period.parse(
        {"mode": "range", "start": "2026-10-03", "end": "2026-10-09"}, now
    ) == Period(date(2026, 10, 3), date(2026, 10, 10))
    assert Period.parse({"mode": "month", "month": "2026-02", "quarter": "2026Q3"}, now) == Period(
        date(2026, 2, 1), date(2026, 3, 1)
    )
    assert Period.parse({"start": "2026-10-09", "end": "2026-10-03"}, now).kind == "month"
    # A value that is no month gives the last complete one: the current month is partial.
    assert Period.parse({"month": "0000-01"}, now) == Period(date(2026, 10, 1), date(2026, 11, 1))


# Targets, standing and the agent scorecard


def target(direction, goal, base=None) -> ServiceTarget:
    return ServiceTarget(
        key="x",
        direction=direction,
        target=Decimal(goal),
        baseline=None if base is None else Decimal(base),
    )


def test_standing_against_target_and_baseline() -> None:
    satisfaction = target("higher", 90, 70)
    assert [standing(v, satisfaction) for v in (95, 80, 70, 60, None)] == [
        Standing.ON_TRACK,
        Standing.IMPROVING,
        Standing.OFF_TRACK,
        Standing.OFF_TRACK,
        Standing.NO_DATA,
    ]
    response = target("lower", 5, 15)
    assert [standing(v, response) for v in (5, 10, 15)] == [
        Standing.ON_TRACK,
        Standing.IMPROVING,
        Standing.OFF_TRACK,
    ]


def test_attainment_runs_from_baseline_to_target() -> None:
    assert attainment(80, target("higher", 90, 70)) == 0.5
    assert attainment(60, target("higher", 90, 70)) == 0.0
    assert attainment(10, target("lower", 5, 15)) == 0.5
    assert attainment(45, target("higher", 90)) == 0.5  # no baseline: from 0
    assert attainment(7.5, target("lower", 5)) == 0.5  # no baseline: from twice the target
    assert attainment(None, target("higher", 90)) is None


def test_the_agent_scorecard_composite_leaves_missing_parts_out(world) -> None:
    rows = {row.name: row for row in agent_scorecard(OCTOBER)}
    a = (
        rows["测试用户" + str(world["a"])]
        if False
        else next(r for r in rows.values() if r.agent_id == world["a"])
    )
    b = next(r for r in rows.values() if r.agent_id == world["b"])
    # a: satisfaction 50% (baseline 70 -> 0), response 20 min (15 -> 5: 0),
    # resolution 100% (0 -> 90: 1), QA 92.5 (0 -> 85: 1), training 100% (1),
    # callbacks 33.3% (0 -> 95: 0.3509)
    # weights 25, 15, 20, 20, 10, 10 -> (0 + 0 + 20 + 20 + 10 + 3.509) / 100
    assert round(a.composite, 2) == 53.51
    assert a.missing == []
    # b: satisfaction 100% (1), response 30 min (0), resolution 1/3 (0.3704), QA 0 (0),
    # training 0% (0), callbacks 100% (1) -> (25 + 0 + 7.407 + 0 + 0 + 10) / 100
    assert round(b.composite, 2) == 42.41


def test_a_part_without_data_is_missing_and_the_other_weights_count(world, ctx) -> None:
    newcomer = veteran("agent.new", ["agent"])
    row = next(r for r in agent_scorecard(OCTOBER) if r.agent_id == newcomer.id)
    assert row.composite is None
    assert set(row.missing) == {
        "satisfaction",
        "first_response_minutes",
        "resolution_rate",
        "qa_average",
        "training_pass",
        "callback_completion",
    }


def test_targets_change_with_an_audit_and_refuse_nonsense(world) -> None:
    admin = veteran("admin.x", ["admin"])
    changes = [TargetInput("satisfaction", Decimal(75), Decimal(92), Decimal(30))]
    assert update_targets(actor=admin, changes=changes, now=local(11, 1)) == 1
    assert update_targets(actor=admin, changes=changes, now=local(11, 1)) == 0
    with pytest.raises(DomainError):
        update_targets(
            actor=admin,
            changes=[TargetInput("satisfaction", None, Decimal(120), None)],
            now=local(11, 1),
        )
    boss = db.session.scalar(select(User).where(User.username == "boss"))
    with pytest.raises(PermissionDenied):
        update_targets(actor=boss, changes=changes, now=local(11, 1))


# The monthly report and the dashboard's trend


def test_the_scheduler_keeps_the_month_and_the_trend_reads_it(app, world) -> None:
    first_of_november = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 November
    assert run_all(app, now=first_of_november)["reports.prepare_monthly_report"] == 1
    assert prepare_previous_month(first_of_november) == 0
    kept = db.session.scalar(select(MonthlyReport))
    assert kept.month == date(2026, 10, 1)
    assert kept.data["figures"]["qa_average"] == {"value": 46.25, "basis": 2}
    assert kept.data["targets"]["satisfaction"]["target"] == 90.0
    # A later change to October's data leaves the kept report, and the trend built on it, alone.
    db.session.execute(db.text("UPDATE qa_reviews SET final_score = 100"))
    db.session.commit()
    november = Period(date(2026, 11, 1), date(2026, 12, 1))
    qa_tile = next(t for t in tiles(november, Filters()) if t.key == "qa_average")
    assert qa_tile.trend[-2] == (OCTOBER, 46.25)
    assert qa_tile.trend[-1][1] is None
    assert len(qa_tile.trend) == 12
    filtered = next(
        t for t in tiles(november, Filters(agent_id=world["a"])) if t.key == "qa_average"
    )
    assert filtered.trend[-2] == (OCTOBER, 100.0)  # filtered views compute live


def test_every_agent_at_once_matches_each_agent_alone(world) -> None:
    together_scope = replace(scope_for(OCTOBER, None), per_agent=True)
    for key, figure_of in FIGURES.items():
        together = figure_of(together_scope)
        for agent_id in (world["a"], world["b"]):
            alone = figure_of(scope_for(OCTOBER, Filters(agent_id=agent_id)))[None]
            assert together.get(agent_id, Figure(key, None, 0)) == alone, key


def test_the_scorecard_reads_as_many_statements_for_many_agents_as_for_few(world) -> None:
    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        agent_scorecard(OCTOBER)
        event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    for number in range(5):
        veteran(f"agent.extra{number}", ["agent"])
    db.session.commit()
    assert statements() == few
