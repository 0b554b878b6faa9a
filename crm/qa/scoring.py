"""How a scorecard turns the values given to its criteria into a score. Pure functions: no
database, so the rules are tested with exact figures.

A criterion's credit is a percentage of its scale: yes = 100, no = 0; on 1-3 and 1-5 the lowest
value earns 0 and the highest 100 (1-5: 0, 25, 50, 75, 100); on a points scale, points / max.
A criterion *fails* when it earns less than half its credit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Protocol

from crm.errors import DomainError
from crm.i18n import gettext as _
from crm.qa.models import Scale, Style

HUNDRED = Fraction(100)
#: a criterion earning less than this share of its credit fails
FAIL_BELOW = Fraction(50)


class CriterionLike(Protocol):
    id: int
    name: str
    scale: str
    max_points: int | None
    weight: Decimal
    allow_na: bool
    critical: bool


@dataclass(frozen=True)
class Outcome:
    #: the score by the scorecard's rules; None when every criterion was N/A
    computed: Decimal | None
    #: 0 when a critical criterion failed, otherwise the computed score
    final: Decimal | None
    critical_failed: bool
    passed: bool


def value_range(criterion: CriterionLike) -> range:
    if criterion.scale == Scale.YES_NO:
        return range(2)
    if criterion.scale == Scale.ONE_TO_THREE:
        return range(1, 4)
    if criterion.scale == Scale.ONE_TO_FIVE:
        return range(1, 6)
    return range(criterion.max_points + 1)


def credit(criterion: CriterionLike, value: int) -> Fraction:
    """The share of the criterion's credit that ``value`` earns, as a percentage."""
    values = value_range(criterion)
    if value not in values:
        raise DomainError(
            _(
                "%(criterion)s: %(value)s is not on its scale (%(low)s to %(high)s).",
                criterion=criterion.name,
                value=value,
                low=values[0],
                high=values[-1],
            ),
            field=f"c{criterion.id}",
        )
    return HUNDRED * (value - values[0]) / (values[-1] - values[0])


def fails(criterion: CriterionLike, value: int | None) -> bool:
    return value is not None and credit(criterion, value) < FAIL_BELOW


def _rounded(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def check_complete(criteria: Sequence[CriterionLike], values: Mapping[int, int | None]) -> None:
    """Refuse a submission that leaves a criterion unrated or marks N/A where it is not allowed.

    :raises DomainError: naming the first criterion at fault.
    """
    for criterion in criteria:
        if criterion.id not in values:
            raise DomainError(
                _("%(criterion)s has no rating.", criterion=criterion.name),
                field=f"c{criterion.id}",
            )
        if values[criterion.id] is None and not criterion.allow_na:
            raise DomainError(
                _("%(criterion)s cannot be marked N/A.", criterion=criterion.name),
                field=f"c{criterion.id}",
            )
        if values[criterion.id] is not None:
            credit(criterion, values[criterion.id])


def score(
    style: str,
    pass_mark: Decimal,
    criteria: Sequence[CriterionLike],
    values: Mapping[int, int | None],
) -> Outcome:
    """Score a complete set of ``values`` (criterion id -> value, None for N/A)."""
    check_complete(criteria, values)
    rated = [(c, credit(c, values[c.id])) for c in criteria if values[c.id] is not None]
    computed: Fraction | None
    if not rated:
        # nothing rated, nothing earned: no score rather than full marks (either style)
        computed = None
    elif style == Style.WEIGHTED:
        total_weight = sum((Fraction(c.weight) for c, _share in rated), Fraction(0))
        computed = (
            sum((share * Fraction(c.weight) for c, share in rated), Fraction(0)) / total_weight
        )
    else:
        deducted = sum(
            (Fraction(c.weight) * (HUNDRED - share) / HUNDRED for c, share in rated), Fraction(0)
        )
        computed = max(Fraction(0), HUNDRED - deducted)
    critical_failed = any(c.critical and share < FAIL_BELOW for c, share in rated)
    final = Fraction(0) if critical_failed and computed is not None else computed
    return Outcome(
        computed=None if computed is None else _rounded(computed),
        final=None if final is None else _rounded(final),
        critical_failed=critical_failed,
        passed=final is not None and final >= Fraction(pass_mark),
    )
