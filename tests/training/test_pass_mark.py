"""Issue 21, honest figures: a pass needs the pass mark itself, compared exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.training import services
from crm.training.services import ScoreEntry
from tests.factories import make_session, make_user

DAY = date(2026, 3, 2)


def test_59_95_does_not_pass_a_pass_mark_of_60(ctx) -> None:
    trainer = make_user(username="trainer.li", roles=["trainer"])
    near, exact, above = (make_user(username=f"agent.{n}", roles=["agent"]) for n in "abc")
    session = make_session(actor=trainer, invited=[near, exact, above])
    attempts = services.record_scores(
        actor=trainer,
        session=session,
        entries=[
            ScoreEntry(near.id, "59.95", DAY),
            ScoreEntry(exact.id, "60", DAY),
            ScoreEntry(above.id, "60.04", DAY),
        ],
    )
    by_user = {a.user_id: a for a in attempts}
    assert by_user[near.id].passed is False
    # kept to one decimal, rounded down, so the kept score never crosses the pass mark
    assert by_user[near.id].score == Decimal("59.9")
    assert by_user[exact.id].passed is True
    assert by_user[above.id].passed is True
    assert by_user[above.id].score == Decimal("60.0")


def test_the_rounding_rule_is_written_on_the_session_page(app, client, login_as) -> None:
    trainer = login_as("trainer")
    with app.app_context():
        from crm.auth.models import User
        from crm.extensions import db

        actor = db.session.get(User, trainer.id)
        session_id = make_session(actor=actor, invited=[]).id
        db.session.commit()
    page = client.get(f"/training/sessions/{session_id}").get_data(as_text=True)
    assert "59.95" in page and "59.9" in page
