"""What QA adds to a customer's timeline: the scored reviews of the customer's interactions,
to those who may read them (``crm.access.may_read_review``).

QA registers no merge provider: a review points at an interaction, and moves with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import url_for
from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.orm import lazyload

from crm.access import may_read_review
from crm.auth.permissions import Permission
from crm.core.links import register_object_page
from crm.core.providers import EVERYONE, NOBODY, TimelineProvider, register_timeline_provider
from crm.i18n import lazy_gettext as _l
from crm.interactions.models import Interaction
from crm.qa.models import SCORED_STATUSES, Review

if TYPE_CHECKING:
    from crm.auth.models import User

#: the audience of an agent, who reads only their own scored reviews
OWN = "own"


def _audience(viewer: User | None) -> str:
    """Mirrors ``may_read_review`` for the query (calibration reviews are never on a
    timeline): QA and supervisors read every review, an agent their own scored ones."""
    if viewer is None:
        return NOBODY
    return EVERYONE if viewer.can(Permission.QA_VIEW) else OWN


def _scoped(audience: str) -> list[ColumnElement[bool]]:
    if audience == OWN:
        return [
            Review.agent_id == bindparam("viewer_id"),
            Review.status.in_([status.value for status in SCORED_STATUSES]),
        ]
    return []


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_object_page("qa_review", lambda review_id: url_for("qa.show", review_id=review_id))
    register_object_page(
        "qa_calibration", lambda id_: url_for("qa.calibration_session", session_id=id_)
    )
    register_timeline_provider(
        "review",
        TimelineProvider(
            kind="review",
            label=_l("QA reviews"),
            model=Review,
            at=Review.submitted_at,
            customer_id=Interaction.customer_id,
            join=lambda: (Interaction, Review.interaction_id == Interaction.id),
            live=lambda: [
                Review.submitted_at.is_not(None),
                Review.calibration_id.is_(None),
                Interaction.deleted_at.is_(None),
            ],
            not_shown=lambda: [lazyload(Review.scorecard_version), lazyload(Review.calibration)],
            audience=_audience,
            scoped=_scoped,
            may_read=may_read_review,
            summary=lambda item: item.interaction.summary,
        ),
    )
