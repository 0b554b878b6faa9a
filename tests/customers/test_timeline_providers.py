"""The timeline and the merge are assembled from providers each domain registers: every kind
of record shows (QA reviews only to those who may read them), each kind is a filter, a merge
moves every kind, and ``customers/`` imports no other domain's models."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.callbacks.models import CallbackPlan, CallbackTask
from crm.cases.models import Case
from crm.cases.services import open_case
from crm.customers.merge import merge_customers
from crm.customers.models import Feedback, Purchase
from crm.customers.records import add_feedback, add_purchase
from crm.customers.timeline import timeline_page
from crm.database import utcnow
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.qa.models import Review
from crm.qa.scorecards import create_scorecard
from crm.surveys.models import Survey
from tests.conftest import login
from tests.factories import make_customer, make_interaction, make_plan, make_task, make_user
from tests.qa.support import SMALL_CARD

CUSTOMERS = Path(__file__).resolve().parents[2] / "crm" / "customers"
FORBIDDEN = ("crm.cases", "crm.surveys", "crm.callbacks", "crm.qa")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_customers_imports_no_model_of_cases_surveys_callbacks_or_qa() -> None:
    offenders = {
        f"{path.relative_to(CUSTOMERS)}: {name}"
        for path in CUSTOMERS.rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN) and ".models" in name
    }
    assert not offenders, sorted(offenders)


def one_of_everything(supervisor, agent, qa, customer, card) -> None:
    """An interaction (with a scored QA review), a case with an answered survey, a purchase,
    a feedback, a skipped callback and a planned one."""
    now = utcnow()
    interaction = make_interaction(customer=customer, actor=supervisor, summary="来电咨询")
    review = Review(
        interaction_id=interaction.id,
        agent_id=agent.id,
        reviewer_id=qa.id,
        scorecard_version_id=card.current.id,
        reason="random",
        status="submitted",
        submitted_at=now - timedelta(minutes=5),
        final_score=88,
    )
    db.session.add(review)
    case = open_case(
        actor=supervisor,
        customer=customer,
        subject="保修",
        category="inquiry",
        now=now - timedelta(hours=2),
        assignee=supervisor,
    )
    db.session.add(
        Survey(
            case_id=case.id,
            customer_id=customer.id,
            expires_at=now + timedelta(days=7),
            answered_at=now - timedelta(minutes=30),
            attitude=5,
            efficiency=4,
            resolution=5,
            comment="满意",
        )
    )
    add_purchase(
        actor=supervisor, customer=customer, product="净水器", amount="1", purchased_at=now
    )
    add_feedback(actor=supervisor, customer=customer, content="好", rating=5, received_at=now)
    plan = make_plan(actor=supervisor, customer=customer, assignee=agent, purpose="季度回访")
    skipped = make_task(plan, (now - timedelta(days=3)).date())
    skipped.status, skipped.reason, skipped.closed_at = "skipped", "contacted_otherwise", now
    make_task(plan, (now + timedelta(days=5)).date())
    db.session.flush()


@pytest.fixture
def everything(ctx):
    supervisor = make_user(username="boss", roles=["supervisor"])
    qa = make_user(username="qa.lead", roles=["qa"])
    outsider = make_user(username="other.agent", roles=["agent"])
    agent = make_user(username="agent.ann", roles=["agent"])
    card = create_scorecard(
        actor=qa, name="通用", style="weighted", pass_mark=Decimal(80), criteria=SMALL_CARD
    )
    customer = make_customer(actor=supervisor, name="王五")
    one_of_everything(supervisor, agent, qa, customer, card)
    db.session.commit()
    return supervisor, (agent, qa), outsider, customer, card


ALL_KINDS = {
    "interaction",
    "case",
    "purchase",
    "feedback",
    "survey",
    "callback",
    "review",
    "planned_callback",
}


def test_the_timeline_shows_every_kind_to_whoever_may_read_it(everything) -> None:
    supervisor, _qa, outsider, customer, _card = everything
    seen = {entry.kind for entry in timeline_page(customer.id, viewer=supervisor).entries}
    assert seen == ALL_KINDS
    hidden = {entry.kind for entry in timeline_page(customer.id, viewer=outsider).entries}
    assert hidden == ALL_KINDS - {"review"}


def test_every_kind_is_a_translated_filter_on_the_page(app, client, everything) -> None:
    _supervisor, _qa, _outsider, customer, _card = everything
    login(client, "boss")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    options = set(
        re.findall(
            r'<option value="([a-z_]+)"', page.split('id="timeline-kind"')[1].split("</select>")[0]
        )
    )
    assert options >= ALL_KINDS
    assert "质检" in page or "QA review" in page
    for kind in ALL_KINDS:
        shown = client.get(f"/customers/{customer.id}?kind={kind}").get_data(as_text=True)
        kinds = set(re.findall(r'data-kind="([a-z_]+)" data-testid="timeline-entry"', shown))
        assert kinds == {kind}, kind


def test_an_agent_does_not_see_a_review_of_someone_else_on_the_page(
    app, client, everything
) -> None:
    _supervisor, _qa, _outsider, customer, _card = everything
    login(client, "other.agent")
    page = client.get(f"/customers/{customer.id}?kind=review").get_data(as_text=True)
    assert 'data-kind="review"' not in page


MODELS = (Interaction, Case, Survey, Purchase, Feedback, CallbackPlan, CallbackTask, Review)


def rows_of(model, customer_ids: list[int]) -> int:
    query = select(func.count()).select_from(model)
    if model is Review:
        query = query.join(Interaction, Review.interaction_id == Interaction.id)
        return db.session.scalar(query.where(Interaction.customer_id.in_(customer_ids)))
    return db.session.scalar(query.where(model.customer_id.in_(customer_ids)))


def test_a_merge_moves_one_of_every_kind_to_the_survivor(everything) -> None:
    supervisor, (agent, qa), _outsider, kept, card = everything
    other = make_customer(actor=supervisor, name="王五 (重复)")
    one_of_everything(supervisor, agent, qa, other, card)
    db.session.commit()
    before = {model: rows_of(model, [kept.id, other.id]) for model in MODELS}
    assert all(count >= 2 for count in before.values())
    merge_customers(actor=supervisor, source=other, target=kept)
    db.session.commit()
    assert {model: rows_of(model, [kept.id]) for model in MODELS} == before
    kinds = [e.kind for e in timeline_page(kept.id, viewer=supervisor, size=100).entries]
    assert kinds.count("review") == 2 and kinds.count("survey") == 2


def test_the_api_timeline_uses_the_same_providers_and_rules(app, client, everything) -> None:
    from crm.api.tokens import create_token

    supervisor, _people, outsider, customer, _card = everything
    tokens = {
        user.username: create_token(actor=user, name="接口", now=utcnow())[1]
        for user in (supervisor, outsider)
    }
    db.session.commit()

    def kinds_for(username: str) -> set[str]:
        headers = {"Authorization": f"Bearer {tokens[username]}"}
        detail = client.get(f"/api/v1/customers/{customer.id}", headers=headers).json
        return {entry["kind"] for entry in detail["timeline"]}

    assert kinds_for("boss") == ALL_KINDS
    assert kinds_for("other.agent") == ALL_KINDS - {"review"}


def test_a_review_leaves_the_timeline_with_its_deleted_interaction(everything) -> None:
    from crm.interactions.services import delete_interaction

    supervisor, _people, _outsider, customer, _card = everything
    review = db.session.scalar(select(Review))
    delete_interaction(actor=supervisor, interaction=review.interaction, reason="录错客户")
    db.session.commit()
    kinds = {entry.kind for entry in timeline_page(customer.id, viewer=supervisor).entries}
    assert "review" not in kinds and "interaction" in kinds
