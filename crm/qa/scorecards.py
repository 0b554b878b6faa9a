"""Creating scorecards and editing them: an edit of a version that has reviews makes a new
version, so every review keeps the criteria it was scored on."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import exists, select

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import gettext as _
from crm.qa.models import (
    CalibrationSession,
    Criterion,
    Review,
    Scale,
    Scorecard,
    ScorecardVersion,
    Style,
)

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class CriterionInput:
    section: str
    code: str
    name: str
    definition: str
    weight: Decimal
    scale: str
    max_points: int | None = None
    examples: str | None = None
    allow_na: bool = False
    critical: bool = False


def _check(name: str, style: str, pass_mark: Decimal, criteria: list[CriterionInput]) -> None:
    if not name.strip():
        raise DomainError(_("A scorecard needs a name."), field="name")
    if style not in {s.value for s in Style}:
        raise DomainError(_("Choose a scoring style."), field="style")
    if not Decimal(0) <= pass_mark <= Decimal(100):
        raise DomainError(_("The pass mark must be between 0 and 100."), field="pass_mark")
    if not criteria:
        raise DomainError(_("A scorecard needs at least one criterion."), field="criteria")
    codes: set[str] = set()
    for number, criterion in enumerate(criteria, start=1):
        if not CODE_PATTERN.match(criterion.code):
            raise DomainError(
                _(
                    "Criterion %(number)s: the code must start with a letter and use only "
                    "lower-case letters, digits and _.",
                    number=number,
                ),
                field="criteria",
            )
        if criterion.code in codes:
            raise DomainError(
                _("Criterion code %(code)s is used twice.", code=criterion.code), field="criteria"
            )
        codes.add(criterion.code)
        if not (criterion.name.strip() and criterion.section.strip()):
            raise DomainError(
                _("Criterion %(number)s needs a section and a name.", number=number),
                field="criteria",
            )
        if not criterion.definition.strip():
            raise DomainError(
                _("Criterion %(number)s needs a definition.", number=number), field="criteria"
            )
        if criterion.weight <= 0:
            raise DomainError(
                _("Criterion %(number)s needs a weight above 0.", number=number), field="criteria"
            )
        if criterion.scale not in {s.value for s in Scale}:
            raise DomainError(
                _("Criterion %(number)s needs a scale.", number=number), field="criteria"
            )
        if (criterion.scale == Scale.POINTS) != (criterion.max_points is not None) or (
            criterion.max_points is not None and criterion.max_points < 1
        ):
            raise DomainError(
                _(
                    "Criterion %(number)s: a points scale needs its maximum (1 or more); other "
                    "scales take none.",
                    number=number,
                ),
                field="criteria",
            )


def _criteria_rows(criteria: list[CriterionInput]) -> list[Criterion]:
    return [
        Criterion(
            position=position,
            section=c.section.strip(),
            code=c.code,
            name=c.name.strip(),
            definition=c.definition.strip(),
            examples=(c.examples or "").strip() or None,
            weight=c.weight,
            scale=c.scale,
            max_points=c.max_points,
            allow_na=c.allow_na,
            critical=c.critical,
        )
        for position, c in enumerate(criteria, start=1)
    ]


def inputs_of(version: ScorecardVersion) -> list[CriterionInput]:
    return [
        CriterionInput(
            section=c.section,
            code=c.code,
            name=c.name,
            definition=c.definition,
            weight=c.weight,
            scale=c.scale,
            max_points=c.max_points,
            examples=c.examples,
            allow_na=c.allow_na,
            critical=c.critical,
        )
        for c in version.criteria
    ]


def _require_manager(actor: User) -> None:
    if not actor.can(Permission.QA_MANAGE):
        raise PermissionDenied(_("Only QA managers change scorecards."))


def create_scorecard(
    *, actor: User, name: str, style: str, pass_mark: Decimal, criteria: list[CriterionInput]
) -> Scorecard:
    """:raises DomainError: on a missing or inconsistent part, naming it."""
    _require_manager(actor)
    _check(name, style, pass_mark, criteria)
    if db.session.scalar(select(exists().where(Scorecard.name == name.strip()))):
        raise DomainError(_("A scorecard with this name exists already."), field="name")
    scorecard = Scorecard(name=name.strip())
    scorecard.versions.append(
        ScorecardVersion(
            version=1,
            style=style,
            pass_mark=pass_mark,
            created_by_id=actor.id,
            criteria=_criteria_rows(criteria),
        )
    )
    db.session.add(scorecard)
    db.session.flush()
    record(
        action=AuditAction.QA_SCORECARD_CHANGED,
        actor=actor,
        object_type="qa_scorecard",
        object_id=scorecard.id,
        details={"version": 1, "criteria": len(criteria)},
    )
    return scorecard


def in_use(version: ScorecardVersion) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(Review.scorecard_version_id == version.id)
                | exists().where(CalibrationSession.scorecard_version_id == version.id)
            )
        )
    )


def revise_scorecard(
    *,
    actor: User,
    scorecard: Scorecard,
    style: str,
    pass_mark: Decimal,
    criteria: list[CriterionInput],
) -> ScorecardVersion:
    """Change the scorecard: in place while its current version has no reviews, otherwise as a
    new version. An unchanged scorecard stays as it is.

    :returns: the version now in use.
    """
    _require_manager(actor)
    _check(scorecard.name, style, pass_mark, criteria)
    current = scorecard.current
    if (
        style == current.style
        and pass_mark == current.pass_mark
        and [asdict(c) for c in criteria] == [asdict(c) for c in inputs_of(current)]
    ):
        return current
    if in_use(current):
        version = ScorecardVersion(
            version=current.version + 1,
            style=style,
            pass_mark=pass_mark,
            created_by_id=actor.id,
            criteria=_criteria_rows(criteria),
        )
        scorecard.versions.append(version)
    else:
        version = current
        version.style, version.pass_mark = style, pass_mark
        version.criteria.clear()
        db.session.flush()  # the old rows go before new ones reuse their codes
        version.criteria.extend(_criteria_rows(criteria))
    db.session.flush()
    record(
        action=AuditAction.QA_SCORECARD_CHANGED,
        actor=actor,
        object_type="qa_scorecard",
        object_id=scorecard.id,
        details={"version": version.version, "criteria": len(criteria)},
    )
    return version


def set_active(*, actor: User, scorecard: Scorecard, active: bool) -> None:
    _require_manager(actor)
    scorecard.active = active
    record(
        action=AuditAction.QA_SCORECARD_CHANGED,
        actor=actor,
        object_type="qa_scorecard",
        object_id=scorecard.id,
        details={"active": active},
    )
    db.session.flush()


def active_scorecards() -> list[Scorecard]:
    return list(
        db.session.scalars(
            select(Scorecard).where(Scorecard.active.is_(True)).order_by(Scorecard.id)
        )
    )
