"""A department whose every user-typed value is markup: one object of each kind, made through
the domain services, each value tagged with its kind so a test can tell which ones it saw."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from crm.api.tokens import create_token
from crm.auth.models import User
from crm.auth.permissions import Role
from crm.callbacks.services import skip_task
from crm.cases.models import Case
from crm.cases.services import change_status, open_case, transfer
from crm.cases.settings import set_holiday
from crm.channels.inbound import InboundAttachment, InboundMessage, receive
from crm.channels.models import CaseAttachment
from crm.channels.portal import issue_link
from crm.channels.reply_templates import save_template
from crm.channels.thread import add_note, reply
from crm.contingency.services import log_update, start_incident
from crm.customers.imports import start_import
from crm.customers.merge import merge_customers
from crm.customers.records import add_feedback, add_purchase
from crm.customers.saved_filters import save_filter
from crm.database import utcnow
from crm.extensions import db
from crm.knowledge.categories import add_subcategory
from crm.knowledge.services import ArticleText, save_article
from crm.plans.actions import ActionInput, create_action, record_outcome
from crm.plans.actions import add_comment as add_action_comment
from crm.plans.services import BudgetLine, create_plan, save_plan
from crm.qa import calibration, disputes, rules, scorecards
from crm.surveys.services import answer, create_link, survey_for_token
from crm.teams.models import Shift
from crm.teams.roster import Change, apply_changes
from crm.teams.services import create_team, set_members
from crm.timezones import department_today
from crm.training.models import TrainingSession
from crm.training.services import add_topic
from crm.value.models import CustomerValue, SegmentRule
from crm.value.offers import assign_offers
from crm.value.rfm import nightly_segments
from tests.factories import (
    make_customer,
    make_interaction,
    make_offer_rule,
    make_plan,
    make_session,
    make_task,
)
from tests.knowledge.support import make_article
from tests.qa.support import SMALL_CARD, scored_review, veteran

#: what must never reach a page as markup
RAW = "<i id=x"
#: the seeded values' kinds; each value is ``<kind><i id=x>``
KINDS = (
    "user",
    "customer",
    "company",
    "region",
    "tag",
    "notes",
    "summary",
    "details",
    "outcome",
    "product",
    "feedback",
    "subject",
    "description",
    "transfer",
    "purpose",
    "filter",
    "file",
    "topic",
    "session",
    "location",
    "holiday",
    "token",
    "scorecard",
    "section",
    "criterion",
    "definition",
    "comment",
    "dispute",
    "calibration",
    "incident",
    "update",
    "survey",
    "skip",
    "message",
    "note",
    "sender",
    "template",
    "requester",
    "web message",
    "article",
    "article body",
    "article tag",
    "team",
    "action",
    "action details",
    "action finding",
    "action comment",
    "action outcome",
    "narrative",
    "budget item",
    "budget note",
    "segment",
    "offer",
    "subcategory",
)


def hostile(kind: str) -> str:
    return f"{kind}<i id=x>"


def escaped(kind: str) -> str:
    return f"{kind}&lt;i id=x&gt;"


def seed(value: Callable[[str], str] = hostile) -> dict[str, int | str]:
    """Make the objects; returns the ids and other values the pages' URLs need.

    :param value: the text typed into a field of the given kind (markup by default)
    """
    now = utcnow()
    people: dict[str, User] = {
        role.value: veteran(f"{role.value}.one", [role.value]) for role in Role
    }
    people["qa2"] = veteran("qa.two", ["qa"])
    for user in people.values():
        user.display_name = value("user")
    agent, boss, admin, qa, trainer = (
        people["agent"],
        people["supervisor"],
        people["admin"],
        people["qa"],
        people["trainer"],
    )
    customer = make_customer(
        actor=boss,
        name=value("customer"),
        company=value("company"),
        region=value("region"),
        industry=value("region"),
        tags=[value("tag")],
        notes=value("notes"),
        tier="key",
        owner_id=agent.id,
    )
    other = make_customer(actor=agent, name=value("customer"))
    interaction = make_interaction(
        customer=customer,
        actor=agent,
        summary=value("summary"),
        details=value("details"),
        outcome=value("outcome"),
    )
    add_purchase(
        actor=agent,
        customer=customer,
        product=value("product"),
        amount="10",
        purchased_at=now,
        order_number=value("product"),
    )
    add_feedback(
        actor=agent, customer=customer, content=value("feedback"), received_at=now, rating=2
    )
    case = open_case(
        actor=agent,
        customer=customer,
        subject=value("subject"),
        description=value("description"),
        category="tech_support",
        now=now,
        assignee=agent,
    )
    transfer(
        actor=agent,
        case=case,
        department="service",
        assignee=agent,
        now=now,
        note=value("transfer"),
    )
    receive(
        InboundMessage(
            channel="portal",
            case_id=case.id,
            external_id="portal:hostile",
            subject=value("subject"),
            body_text=value("message"),
            quoted_text=value("message"),
            body_html=f"<p>{value('message')}</p>",
            sender_name=value("sender"),
            received_at=now,
            attachments=[InboundAttachment(value("file") + ".png", io.BytesIO(b"\x89PNG"))],
        )
    )
    add_note(actor=agent, case=case, body=value("note"), now=now)
    case.requester_email = "sender@example.cn"
    reply(actor=agent, case=case, body=value("message"), now=now)
    template = save_template(
        actor=boss, template=None, name=value("template"), body=value("template"), active=True
    )
    resolved = open_case(
        actor=agent, customer=customer, subject=value("subject"), category="tech_support", now=now
    )
    change_status(actor=agent, case=resolved, status="resolved", now=now, note=value("transfer"))
    survey_token = create_link(actor=agent, case=resolved, now=now)
    answered = open_case(
        actor=agent, customer=customer, subject=value("subject"), category="tech_support", now=now
    )
    change_status(actor=agent, case=answered, status="resolved", now=now)
    answer(
        survey=survey_for_token(create_link(actor=agent, case=answered, now=now), now),
        attitude=5,
        efficiency=5,
        resolution=5,
        comment=value("survey"),
        now=now,
    )
    plan = make_plan(actor=boss, customer=customer, assignee=agent, purpose=value("purpose"))
    task = make_task(plan)
    skipped = make_task(plan, department_today(now) + timedelta(days=1))
    skip_task(actor=agent, task=skipped, reason="other", note=value("skip"))
    save_filter(actor=agent, name=value("filter"), params={"tier": "key"})
    csv = f"姓名,手机\n{value('customer')},13800138000\n".encode()
    batch, _table = start_import(actor=boss, filename=value("file") + ".csv", data=csv)
    topic = add_topic(actor=trainer, name=value("topic"))
    training: TrainingSession = make_session(
        actor=trainer,
        invited=[agent],
        title=value("session"),
        location=value("location"),
        topics=[topic],
    )
    set_holiday(actor=admin, day=date(2026, 10, 1), name=value("holiday"), working=False)
    for user in people.values():
        create_token(actor=user, name=value("token"), now=now)
    criteria = [
        replace(
            criterion,
            section=value("section"),
            name=value("criterion"),
            definition=value("definition"),
            examples=value("definition"),
        )
        for criterion in SMALL_CARD
    ]
    card = scorecards.create_scorecard(
        actor=qa,
        name=value("scorecard"),
        style="weighted",
        pass_mark=Decimal(80),
        criteria=criteria,
    )
    rules.add_rule(
        actor=qa, criterion_code=criteria[0].code, below_percent=Decimal(50), topic_id=topic.id
    )
    comments = (value("comment"), value("comment"), value("comment"))
    at = now - timedelta(hours=2)
    reviews = [
        scored_review(
            card=card, agent=agent, reviewer=qa, values=(2, 1, 1), at=at, comments=comments
        )
        for _ in range(2)
    ]
    first = card.current.criteria[0].id
    for review in reviews:
        disputes.open_dispute(actor=agent, review=review, items={first: value("dispute")}, now=now)
    decided = disputes.dispute_of(reviews[1])
    disputes.decide_dispute(
        actor=boss, dispute=decided, accept=False, new_values={}, note=value("dispute"), now=now
    )
    session = calibration.create_session(
        actor=qa,
        title=value("calibration"),
        interaction=interaction,
        scorecard=card,
        reviewers=[qa, people["qa2"]],
        now=now,
    )
    web = receive(
        InboundMessage(
            channel="web",
            external_id="web.hostile",
            subject=value("web message"),
            body_text=value("web message"),
            received_at=now,
            sender_name=value("requester"),
            sender_phone="+8613800138999",
            category="complaint",
            attachments=[InboundAttachment(value("file") + ".png", io.BytesIO(b"png"))],
        )
    )
    web_case = db.session.get(Case, web.case)
    status_token = issue_link(web_case).rsplit("/", 1)[-1]
    status_attachment = db.session.scalar(
        select(CaseAttachment.id).where(CaseAttachment.case_id == web_case.id)
    )
    team = create_team(actor=admin, department="service", name=value("team"), leader=boss)
    set_members(actor=admin, team=team, user_ids={agent.id})
    apply_changes(
        actor=admin,
        changes=[Change(agent.id, department_today(now), Shift.REST.value)],
    )
    start_incident(actor=admin, reason=value("incident"), now=now)
    log_update(actor=admin, body=value("update"), now=now)
    absorbed = make_customer(actor=boss, name=value("customer"), notes=value("notes"))
    kept = make_customer(actor=boss, name=value("customer"), company=value("company"))
    merge = merge_customers(actor=boss, source=absorbed, target=kept, choices={"notes": "take"})
    article = make_article(
        actor=boss,
        title=value("article"),
        body=value("article body") + "\n\n" + value("article body") + " 退款",
        tags=[value("article tag")],
        audience="public",
    )
    save_article(
        actor=boss,
        article=article,
        text=ArticleText(value("article"), value("article body"), "complaint", "public"),
        subcategory=add_subcategory(actor=boss, category="complaint", name=value("subcategory")),
    )
    improvement = create_action(
        actor=boss,
        data=ActionInput(
            value("action"),
            value("action details"),
            "complaint_cause",
            value("action finding"),
            "satisfaction",
            Decimal("5"),
            agent.id,
            department_today(now) - timedelta(days=10),
            department_today(now) + timedelta(days=10),
        ),
        now=now,
    )
    add_action_comment(actor=boss, action=improvement, body=value("action comment"), now=now)
    finished = create_action(
        actor=boss,
        data=ActionInput(
            value("action"),
            "",
            "kpi",
            "",
            "complaint_hours",
            None,
            agent.id,
            department_today(now) - timedelta(days=30),
            department_today(now) - timedelta(days=1),
        ),
        now=now,
    )
    record_outcome(
        actor=boss, action=finished, outcome=value("action outcome"), decision="keep", now=now
    )
    service_plan = create_plan(actor=boss, label="2027", now=now)
    save_plan(
        actor=boss,
        plan=service_plan,
        narratives={"current_state": value("narrative"), "budget": value("narrative")},
        budget=[BudgetLine(value("budget item"), "100", value("budget note"))],
        now=now,
    )
    # A call script for the seeded case's category: the customer's name is filled into it.
    make_article(
        actor=boss,
        title=value("article"),
        body="## " + value("article body") + "\n{customer_name} {agent_name}",
        category="tech_support",
        kind="script",
    )
    # The customer's value: its segment renamed by a supervisor, and an offer rule for it.
    nightly_segments(now)
    code = db.session.get(CustomerValue, customer.id).segment
    db.session.scalar(select(SegmentRule).where(SegmentRule.code == code)).name = value("segment")
    offer_rule = make_offer_rule(
        actor=boss, name=value("offer"), segment=code, text=value("offer"), code=value("offer")
    )
    assign_offers(now)
    db.session.commit()
    return {
        "offer_rule": offer_rule.id,
        "user_id": agent.id,
        "customer_id": customer.id,
        "other_customer": other.id,
        "interaction_id": interaction.id,
        "case_id": case.id,
        "survey_token": survey_token,
        "web_case": web_case.id,
        "status_token": status_token,
        "status_attachment": status_attachment,
        "plan_id": plan.id,
        "task_id": task.id,
        "batch_id": batch.id,
        "training_session": training.id,
        "scorecard_id": card.id,
        "review_id": reviews[0].id,
        "calibration_session": session.id,
        "merge_id": merge.id,
        # the drill-downs open on the last complete month; this month holds the seeded rows
        "this_month": department_today(now).strftime("%Y-%m"),
        "month": (now.date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m"),
        "topic_id": topic.id,
        "attachment_id": db.session.scalar(select(CaseAttachment.id)),
        "template_id": template.id,
        "department": "service",
        "article_id": article.id,
        "team_id": team.id,
        "action_id": improvement.id,
        "plan_period": "2027",
    }
