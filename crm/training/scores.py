"""Exam scores as numbers: how a typed score is read, kept and compared with the pass mark."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

#: Scores are kept to one decimal place, rounded down (59.95 is kept as 59.9); a pass compares
#: the score as typed with the pass mark, exactly. The pass mark has one decimal at most, so the
#: kept score and the typed one are always on the same side of it.
SCORE_STEP = Decimal("0.1")


def kept_score(exact: Decimal) -> Decimal:
    """The score as stored: one decimal place, rounded down, never up across a pass mark."""
    return exact.quantize(SCORE_STEP, rounding=ROUND_FLOOR)


def passes(exact: Decimal, pass_mark: Decimal) -> bool:
    """Whether a score passes: an exact Decimal comparison, no rounding (59.95 fails 60)."""
    return exact >= pass_mark


def exact_score(raw: str | Decimal | int | float, field: str) -> Decimal:
    """The number as typed, unrounded.

    :raises DomainError: for anything that is not a finite number.
    """
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            _l("%(value)s is not a number.", value=str(raw)[:20]), field=field
        ) from None
    if not value.is_finite():
        raise DomainError(_l("%(value)s is not a number.", value=str(raw)[:20]), field=field)
    return value


def mark_score(raw: str | Decimal | int | float, field: str) -> Decimal:
    """A maximum or pass mark, to one decimal place."""
    return exact_score(raw, field).quantize(SCORE_STEP)
