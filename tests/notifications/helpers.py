"""Notices as the jobs make them, for the notification tests."""

from __future__ import annotations

from crm.notifications.services import notify


def due_callbacks(user_id: int, count: int, *, first: int = 1, customer: str = "张三") -> int:
    """``count`` callback-due notices for ``user_id`` in one run, as the job gives them."""
    return notify(
        {
            "user_id": user_id,
            "kind": "callback.due",
            "subject_type": "callback_task",
            "subject_id": number,
            "payload": {"customer": customer, "date": "2026-12-02", "agent": "某人"},
        }
        for number in range(first, first + count)
    )


def case_notice(user_id: int, case: int, kind: str = "case.transferred") -> int:
    return notify(
        [
            {
                "user_id": user_id,
                "kind": kind,
                "subject_type": "case",
                "subject_id": case,
                "payload": {"case": case, "subject": "<b>退款</b>"},
            }
        ]
    )
