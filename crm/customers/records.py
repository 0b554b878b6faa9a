"""Purchase records (购买记录) and feedback (反馈信息) added to a customer's history.

Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.customers.models import Customer, Feedback, Purchase
from crm.errors import DomainError
from crm.extensions import db
from crm.i18n import lazy_gettext as _l


def _optional_text(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] if value else None


def add_purchase(
    *,
    actor: User,
    customer: Customer,
    product: str,
    amount: str | Decimal,
    purchased_at: datetime,
    order_number: str | None = None,
) -> Purchase:
    """Record a purchase. :raises DomainError: for a missing product or a bad amount."""
    product = (product or "").strip()
    if not product:
        raise DomainError(_l("Enter the product."), field="product")
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise DomainError(_l("Enter the amount in yuan, e.g. 1999.00."), field="amount") from None
    if value < 0 or value >= Decimal("10000000000"):
        raise DomainError(_l("Enter the amount in yuan, e.g. 1999.00."), field="amount")
    purchase = Purchase(
        customer_id=customer.id,
        product=product[:200],
        amount=value,
        purchased_at=purchased_at,
        order_number=_optional_text(order_number, 64),
        created_by_id=actor.id,
    )
    db.session.add(purchase)
    db.session.flush()
    record(
        action=AuditAction.PURCHASE_ADDED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"purchase": purchase.id, "product": purchase.product, "amount": str(value)},
    )
    return purchase


def add_feedback(
    *, actor: User, customer: Customer, content: str, received_at: datetime, rating: int | None
) -> Feedback:
    """Record feedback in the customer's words. :raises DomainError: for empty text or a rating
    outside 1-5."""
    content = (content or "").strip()
    if not content:
        raise DomainError(_l("Enter what the customer said."), field="content")
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError(_l("The rating goes from 1 to 5."), field="rating")
    feedback = Feedback(
        customer_id=customer.id,
        content=content[:10_000],
        received_at=received_at,
        rating=rating,
        created_by_id=actor.id,
    )
    db.session.add(feedback)
    db.session.flush()
    record(
        action=AuditAction.FEEDBACK_ADDED,
        actor=actor,
        object_type="customer",
        object_id=customer.id,
        details={"feedback": feedback.id, "rating": rating},
    )
    return feedback
