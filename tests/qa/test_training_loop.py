"""QA -> training, visible and reversible: the trainer sees who QA assigned to each topic and
plans a session for them; an accepted dispute that removes the failing score withdraws the
assignment and the extra sample, on the record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.auth.models import User
from crm.extensions import db
from crm.qa import disputes, quotas, sampling
from crm.qa.models import Review, Scorecard, TrainingAssignment
from crm.training.models import TrainingTopic
from crm.training.queue import assigned_queue
from tests.conftest import login
from tests.factories import make_customer, make_interaction, make_session
from tests.qa.support import failed_courtesy_review

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def loop(app):
    with app.app_context():
        yield failed_courtesy_review(NOW)


def test_the_trainer_sees_whom_qa_assigned_and_plans_a_session_for_them(app, client, loop):
    with app.app_context():
        queue = assigned_queue()
        assert [(entry.topic.id, [p.user_id for p in entry.people]) for entry in queue] == [
            (loop["topic"], [loop["a"]])
        ]
    login(client, "trainer.wang")
    page = client.get("/training/queue").get_data(as_text=True)
    assert "服务意识" in page and "测试用户" in page
    assert f"/training/sessions/new?topic={loop['topic']}&amp;invite={loop['a']}" in page
    form = client.get(f"/training/sessions/new?topic={loop['topic']}&invite={loop['a']}")
    assert form.status_code == 200
    with app.app_context():
        trainer, agent = (db.session.get(User, loop[k]) for k in ("trainer", "a"))
        topic = db.session.get(TrainingTopic, loop["topic"])
        session = make_session(actor=trainer, invited=[agent], topics=[topic])
        db.session.commit()
        assignment = db.session.scalar(select(TrainingAssignment))
        assert assignment.session_id == session.id
        assert assigned_queue() == []


def test_an_accepted_dispute_withdraws_the_training_and_the_extra_sample(app, loop):
    with app.app_context():
        agent, qa, boss = (db.session.get(User, loop[k]) for k in ("a", "qa", "boss"))
        customer = make_customer(actor=agent)
        for hour in range(1, 11):
            make_interaction(
                customer=customer, actor=agent, occurred_at=NOW - timedelta(hours=hour)
            )
        card = db.session.get(Scorecard, loop["card"])
        sampling.draw_sample(actor=qa, day=NOVEMBER, scorecard=card, now=NOW, seed=7)
        db.session.commit()
        follow_ups = select(func.count()).select_from(Review).where(Review.reason == "follow_up")
        assert db.session.scalar(follow_ups) == 3
        review = db.session.get(Review, loop["review"])
        courtesy = card.current.criteria[0].id
        dispute = disputes.open_dispute(
            actor=agent, review=review, items={courtesy: "录音里我用了敬语"}, now=NOW
        )
        disputes.decide_dispute(
            actor=boss,
            dispute=dispute,
            accept=True,
            new_values={courtesy: 5},
            note="录音核实属实",
            now=NOW + timedelta(hours=1),
        )
        db.session.commit()
        assignment = db.session.scalar(select(TrainingAssignment))
        assert assignment.withdrawn_at == NOW + timedelta(hours=1)
        assert assigned_queue() == []
        assert quotas.quotas(NOVEMBER, date(2026, 12, 1))[agent.id].follow_up == 0
        assert db.session.scalar(follow_ups) == 0  # not yet scored: taken back
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "qa.training_withdrawn")
            )
            == 1
        )
