"""The phone system's call log, callback tasks, cases and the KPI figures over the API."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select

from crm.access import may_read_case, may_read_task
from crm.api.cursors import next_cursor, parse_cursor
from crm.api.errors import ApiError
from crm.api.framework import operation
from crm.api.schemas.work import (
    CallIn,
    CaseList,
    CaseOut,
    CaseQuery,
    InteractionOut,
    KpiOut,
    KpiQuery,
    KpiReport,
    TaskDone,
    TaskList,
    TaskOut,
    TaskQuery,
)
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.callbacks.models import CallbackTask, TaskStatus
from crm.callbacks.services import complete_task
from crm.cases.models import OPEN_STATUSES, Case
from crm.customers.models import Customer
from crm.customers.phones import normalise_phone
from crm.customers.search import customers_with_phone
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.interactions.services import log_interaction
from crm.pagination import after_position
from crm.reports.monthly import period_figures
from crm.reports.scope import Period
from crm.teams.scope import case_filter, may_open_case, may_see_person, people_filter, scope_for
from crm.timezones import department_today

DEFAULT_CALL_SUMMARY = "Phone call"


def interaction_out(interaction: Interaction) -> InteractionOut:
    return InteractionOut(
        id=interaction.id,
        customer_id=interaction.customer_id,
        agent=interaction.agent.username,
        channel=interaction.channel,
        category=interaction.category,
        direction=interaction.direction,
        summary=interaction.summary,
        occurred_at=interaction.occurred_at,
        duration_seconds=interaction.duration_seconds,
        recording_ref=interaction.recording_ref,
        reached=interaction.reached,
    )


def _caller(user: User, body: CallIn) -> Customer:
    if (body.customer_id is None) == (body.caller_phone is None):
        raise ApiError(
            422,
            "Give either customer_id or caller_phone.",
            fields={"customer_id": "either this or caller_phone"},
        )
    if body.customer_id is not None:
        customer = db.session.get(Customer, body.customer_id)
        if customer is None or customer.is_deleted:
            raise ApiError(422, "No such customer.", fields={"customer_id": "not found"})
        return customer
    e164 = normalise_phone(body.caller_phone or "")
    matches = customers_with_phone(e164, limit=2)
    if not matches:
        raise ApiError(
            422,
            "No customer has this number; create the customer first.",
            fields={"caller_phone": "no customer has this number"},
        )
    if len(matches) > 1:
        raise ApiError(
            409,
            "Several customers have this number; send customer_id.",
            code="ambiguous",
            fields={"caller_phone": "several customers"},
        )
    return matches[0]


@operation(
    "POST",
    "/interactions",
    summary="Log a call (or other contact) in the customer's history",
    tag="interactions",
    permission=Permission.INTERACTIONS_LOG,
    body=CallIn,
    response=InteractionOut,
    status=201,
    idempotent=True,
)
def log_call(user: User, body: CallIn) -> InteractionOut:
    customer = _caller(user, body)
    agent = user
    if body.agent is not None:
        agent = db.session.scalar(select(User).where(User.username == body.agent.lower()))
        if agent is None:
            raise ApiError(422, "No user has this login.", fields={"agent": "unknown"})
    interaction = log_interaction(
        actor=user,
        customer=customer,
        agent=agent,
        channel=body.channel.value,
        category=body.category.value,
        direction=body.direction.value,
        summary=body.summary or DEFAULT_CALL_SUMMARY,
        details=body.details,
        occurred_at=body.started_at,
        duration_seconds=body.duration_seconds,
        recording_ref=body.recording_ref,
        reached=body.reached,
    )
    return interaction_out(interaction)


def task_out(task: CallbackTask, names: dict[int, str]) -> TaskOut:
    return TaskOut(
        id=task.id,
        customer_id=task.customer_id,
        customer_name=names[task.customer_id],
        due_date=task.due_date,
        assignee=task.assignee.username if task.assignee else "",
        status=task.status,
        attempt=task.attempt,
    )


@operation(
    "GET",
    "/callbacks",
    summary="The token user's callback tasks (everyone's for planners), by due date",
    tag="callbacks",
    permission=Permission.CALLBACKS_WORK,
    query=TaskQuery,
    response=TaskList,
)
def list_tasks(user: User, query: TaskQuery) -> TaskList:
    tasks: Select = select(CallbackTask)
    if not user.can(Permission.CALLBACKS_PLAN):
        tasks = tasks.where(CallbackTask.assignee_id == user.id)
    else:
        tasks = tasks.where(people_filter(scope_for(user, query.scope), CallbackTask.assignee_id))
    if query.status == "open":
        tasks = tasks.where(CallbackTask.status == TaskStatus.DUE.value)
    elif query.status == "done":
        tasks = tasks.where(CallbackTask.status == TaskStatus.DONE.value)
    after = parse_cursor(query.cursor, date.fromisoformat)
    if after:
        tasks = tasks.where(after_position(CallbackTask.due_date, CallbackTask.id, after))
    rows = list(
        db.session.scalars(
            tasks.order_by(CallbackTask.due_date, CallbackTask.id).limit(query.limit + 1)
        )
    )
    names = dict(
        db.session.execute(
            select(Customer.id, Customer.name).where(
                Customer.id.in_({task.customer_id for task in rows})
            )
        ).all()
    )
    return TaskList(
        items=[task_out(task, names) for task in rows[: query.limit]],
        next_cursor=next_cursor(rows, query.limit, "due_date"),
    )


@operation(
    "POST",
    "/callbacks/{task_id}/complete",
    summary="Record a callback as made (reached or not); a miss schedules the retry",
    tag="callbacks",
    permission=Permission.CALLBACKS_WORK,
    body=TaskDone,
    response=TaskOut,
    errors=(409,),
)
def complete(user: User, task_id: int, body: TaskDone) -> TaskOut:
    task = db.session.get(CallbackTask, task_id)
    if task is None or not may_read_task(user, task) or not may_see_person(user, task.assignee_id):
        raise ApiError(404, "Not found.")
    if task.status != TaskStatus.DUE:
        raise ApiError(409, "This callback is closed already.", code="closed")
    complete_task(
        actor=user,
        task=task,
        reached=body.reached,
        notes=body.notes,
        satisfaction=body.satisfaction,
        today=department_today(utcnow()),
    )
    db.session.flush()
    names = {task.customer_id: db.session.get(Customer, task.customer_id).name}
    return task_out(task, names)


def case_out(case: Case) -> CaseOut:
    return CaseOut(
        id=case.id,
        customer_id=case.customer_id,
        subject=case.subject,
        category=case.category,
        priority=case.priority,
        department=case.department,
        status=case.status,
        assignee=case.assignee.username if case.assignee else None,
        opened_at=case.opened_at,
        first_response_due_at=case.first_response_due_at,
        resolution_due_at=case.resolution_due_at,
        response_breached=case.response_breached,
        resolution_breached=case.resolution_breached,
    )


@operation(
    "GET",
    "/cases",
    summary="Cases assigned to the token's user (all cases for supervisors), newest first",
    tag="cases",
    permission=Permission.CASES_WORK,
    query=CaseQuery,
    response=CaseList,
)
def list_cases(user: User, query: CaseQuery) -> CaseList:
    cases: Select = select(Case)
    if not user.can(Permission.CASES_SUPERVISE):
        cases = cases.where(Case.assignee_id == user.id)
    else:
        cases = cases.where(case_filter(scope_for(user, query.scope)))
    if query.status == "open":
        cases = cases.where(Case.status.in_([s.value for s in OPEN_STATUSES]))
    after = parse_cursor(query.cursor, datetime.fromisoformat)
    if after:
        opened, last_id = after
        cases = cases.where(
            or_(Case.opened_at < opened, and_(Case.opened_at == opened, Case.id < last_id))
        )
    rows = list(
        db.session.scalars(
            cases.order_by(Case.opened_at.desc(), Case.id.desc()).limit(query.limit + 1)
        )
    )
    return CaseList(
        items=[case_out(case) for case in rows[: query.limit]],
        next_cursor=next_cursor(rows, query.limit, "opened_at"),
    )


@operation(
    "GET",
    "/cases/{case_id}",
    summary="One case",
    tag="cases",
    permission=Permission.CASES_WORK,
    response=CaseOut,
)
def read_case(user: User, case_id: int) -> CaseOut:
    case = db.session.get(Case, case_id)
    if case is None or not may_read_case(user, case) or not may_open_case(user, case):
        raise ApiError(404, "Not found.")
    return case_out(case)


@operation(
    "GET",
    "/kpis",
    summary="The KPI figures of a month",
    tag="reports",
    permission=Permission.REPORTS_VIEW,
    query=KpiQuery,
    response=KpiReport,
)
def read_kpis(user: User, query: KpiQuery) -> KpiReport:
    first = (
        datetime.strptime(query.month, "%Y-%m").date()
        if query.month
        else department_today(utcnow())
    )
    period = Period.month(first)
    shown = period_figures(period)
    figures = shown.figures
    return KpiReport(
        start=period.start,
        end=period.end,
        kept_at=shown.kept.prepared_at if shown.kept else None,
        figures=[
            KpiOut(key=f.key, value=f.value, unit=f.unit, basis=f.basis) for f in figures.values()
        ],
    )
