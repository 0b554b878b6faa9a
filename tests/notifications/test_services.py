"""Notices folded into digests, listed by day and kind, marked read, and each person's
settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.audit.services import AuditAction
from crm.core.header import page_header
from crm.errors import DomainError
from crm.extensions import db
from crm.notifications import inbox, preferences, services
from crm.notifications.describe import describe
from crm.notifications.kinds import DIGEST, link
from crm.notifications.models import Notification
from crm.notifications.preferences import KindSetting
from tests.factories import make_user
from tests.notifications.helpers import case_notice, due_callbacks

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _top(user_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user_id, Notification.digest_id.is_(None)
            )
        )
    )


def test_a_few_notices_of_a_kind_stay_single(ctx) -> None:
    agent = make_user()
    assert due_callbacks(agent.id, 5) == 5
    assert [n.subject_type for n in _top(agent.id)] == ["callback_task"] * 5
    assert page_header(agent).unread_notifications == 5


def test_many_of_a_kind_in_one_run_come_as_one_digest(ctx) -> None:
    agent = make_user()
    assert due_callbacks(agent.id, 12) == 12
    (digest,) = _top(agent.id)
    assert digest.subject_type == DIGEST and digest.payload == {"count": 12}
    assert page_header(agent).unread_notifications == 1
    assert describe(digest) == "12 个回访已到期"
    # A digest of due callbacks opens the worklist, where they are worked.
    with ctx.test_request_context():
        assert link(digest) == "/callbacks/"
    folded = db.session.scalars(select(Notification).where(Notification.digest_id == digest.id))
    assert {n.read_at is not None and n.email_claimed_at is not None for n in folded} == {True}


def test_a_repeated_run_adds_neither_notices_nor_digests(ctx) -> None:
    agent = make_user()
    due_callbacks(agent.id, 12)
    assert due_callbacks(agent.id, 12) == 0
    count = select(func.count()).select_from(Notification)
    assert db.session.scalar(count.where(Notification.subject_type == DIGEST)) == 1
    assert db.session.scalar(count) == 13


def test_notices_given_one_at_a_time_in_a_run_fold_too_and_later_ones_join(ctx) -> None:
    supervisor = make_user(roles=["supervisor"])
    start = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        for case in range(1, 6):
            case_notice(supervisor.id, case)
        assert len(_top(supervisor.id)) == 5
        case_notice(supervisor.id, 6)
        (digest,) = _top(supervisor.id)
        assert digest.payload == {"count": 6}
    inbox.mark_read(supervisor)
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        case_notice(supervisor.id, 7)
    (digest,) = _top(supervisor.id)
    assert digest.payload == {"count": 7} and digest.read_at is None
    # Past the window a notice stands alone again.
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        case_notice(supervisor.id, 8)
    assert sorted(n.subject_type for n in _top(supervisor.id)) == ["case", DIGEST]


def test_digests_are_per_person_and_kind(ctx) -> None:
    one, other = make_user(), make_user()
    services.notify(
        [
            {
                "user_id": user.id,
                "kind": "callback.due",
                "subject_type": "callback_task",
                "subject_id": number,
                "payload": {"customer": "x", "date": "2026-12-02", "agent": "y"},
            }
            for user in (one, other)
            for number in range(1, 7 if user is one else 4)
        ]
    )
    assert [n.subject_type for n in _top(one.id)] == [DIGEST]
    assert len(_top(other.id)) == 3


def test_a_digest_of_another_kind_links_to_its_notices(ctx) -> None:
    supervisor = make_user(roles=["supervisor"])
    case_notice(supervisor.id, 1)
    services.notify(
        {
            "user_id": supervisor.id,
            "kind": "case.at_risk",
            "subject_type": "case",
            "subject_id": case,
            "payload": {"case": case, "subject": "x"},
        }
        for case in range(1, 8)
    )
    single, digest = sorted(_top(supervisor.id), key=lambda n: n.subject_type)
    assert describe(digest) == "7 条通知：即将超时的工单"
    with ctx.test_request_context():
        assert link(digest) == f"/notifications/?digest={digest.id}"
        assert link(single) == "/cases/1"


def test_the_list_groups_by_local_day_and_kind_newest_first(ctx) -> None:
    agent = make_user()
    # 23:30 UTC on 1 December is already 2 December in Shanghai.
    with time_machine.travel(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), tick=False):
        case_notice(agent.id, 1)
    with time_machine.travel(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), tick=False):
        case_notice(agent.id, 2)
        due_callbacks(agent.id, 2)
    listing = inbox.listing(agent, SHANGHAI)
    shape = [(g.day.isoformat(), g.kind, len(g.items)) for g in listing.groups]
    assert sorted(shape[:2]) == [
        ("2026-12-02", "callback.due", 2),
        ("2026-12-02", "case.transferred", 1),
    ]
    assert shape[2] == ("2026-12-01", "case.transferred", 1)
    assert listing.next_position is None


def test_the_list_pages_by_keyset(ctx) -> None:
    agent = make_user()
    ctx.config["NOTIFICATION_DIGEST_THRESHOLD"] = 1000
    for case in range(inbox.PAGE_SIZE + 3):
        case_notice(agent.id, case + 1)
    first = inbox.listing(agent, SHANGHAI)
    assert sum(len(g.items) for g in first.groups) == inbox.PAGE_SIZE
    second = inbox.listing(agent, SHANGHAI, after=first.next_position)
    ids = [n.subject_id for g in second.groups for n in g.items]
    assert ids == [3, 2, 1] and second.next_position is None


def test_marking_a_group_read_leaves_other_kinds_and_days(ctx) -> None:
    agent = make_user()
    with time_machine.travel(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), tick=False):
        case_notice(agent.id, 1)
    with time_machine.travel(datetime(2026, 12, 2, 2, 0, tzinfo=UTC), tick=False):
        case_notice(agent.id, 2)
        due_callbacks(agent.id, 1)
    day = datetime(2026, 12, 2).date()
    assert inbox.mark_group_read(agent, day=day, kind="case.transferred", zone=SHANGHAI) == 1
    unread = {(n.kind, n.subject_id) for n in _top(agent.id) if n.read_at is None}
    assert unread == {("case.transferred", 1), ("callback.due", 1)}


def test_nobody_marks_another_persons_notices_read(ctx) -> None:
    owner, intruder = make_user(), make_user()
    case_notice(owner.id, 1)
    (notice,) = _top(owner.id)
    assert inbox.mark_read(intruder, notice.id) == 0
    assert inbox.mark_read(intruder) == 0
    assert (
        inbox.mark_group_read(
            intruder,
            day=notice.created_at.astimezone(SHANGHAI).date(),
            kind=notice.kind,
            zone=SHANGHAI,
        )
        == 0
    )
    db.session.refresh(notice)
    assert notice.read_at is None
    assert inbox.listing(intruder, SHANGHAI).groups == []


def test_a_digest_is_listed_only_for_its_owner(ctx) -> None:
    owner, intruder = make_user(), make_user()
    due_callbacks(owner.id, 6)
    (digest,) = _top(owner.id)
    assert inbox.listing(intruder, SHANGHAI, digest_id=digest.id) is None
    inside = inbox.listing(owner, SHANGHAI, digest_id=digest.id)
    assert sum(len(g.items) for g in inside.groups) == 6


def test_a_kind_turned_off_in_the_app_leaves_the_bell_and_the_list(ctx) -> None:
    agent = make_user()
    case_notice(agent.id, 1)
    due_callbacks(agent.id, 1)
    preferences.update_settings(
        actor=agent, settings=[KindSetting("case.transferred", in_app=False, email="off")]
    )
    assert page_header(agent).unread_notifications == 1
    kinds = {g.kind for g in inbox.listing(agent, SHANGHAI).groups}
    assert kinds == {"callback.due"}


def test_settings_default_to_in_app_and_immediate_email_and_are_stored_per_person(ctx) -> None:
    agent, other = make_user(), make_user()
    assert {(s.in_app, s.email) for s in preferences.settings_for(agent)} == {(True, "immediate")}
    changed = preferences.update_settings(
        actor=agent,
        settings=[
            KindSetting("callback.due", in_app=True, email="daily"),
            KindSetting("qa.review", in_app=True, email="immediate"),
        ],
    )
    assert changed == 1
    mine = {s.kind: s.email for s in preferences.settings_for(agent)}
    assert mine["callback.due"] == "daily" and mine["qa.review"] == "immediate"
    assert {s.email for s in preferences.settings_for(other)} == {"immediate"}


def test_a_change_of_settings_leaves_a_trace_of_each_changed_value(ctx) -> None:
    agent = make_user()
    preferences.update_settings(
        actor=agent,
        settings=[
            KindSetting("callback.due", in_app=False, email="daily"),
            KindSetting("qa.review", in_app=True, email="immediate"),
        ],
    )
    changes = select(AuditEntry).where(AuditEntry.action == AuditAction.PREFERENCES_CHANGED.value)
    [entry] = db.session.scalars(changes).all()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (agent.id, "user", str(agent.id))
    assert entry.details == {
        "notifications.callback.due.in_app": [True, False],
        "notifications.callback.due.email": ["immediate", "daily"],
    }
    # Saving the same settings again changes nothing and records nothing.
    preferences.update_settings(
        actor=agent, settings=[KindSetting("callback.due", in_app=False, email="daily")]
    )
    assert len(db.session.scalars(changes).all()) == 1


@pytest.mark.parametrize(
    "setting",
    [KindSetting("no.such.kind", True, "off"), KindSetting("qa.review", True, "hourly")],
)
def test_unknown_settings_are_refused(ctx, setting) -> None:
    with pytest.raises(DomainError):
        preferences.update_settings(actor=make_user(), settings=[setting])
