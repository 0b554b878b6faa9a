"""What this domain adds to the customer page, the customer list and the merge
(``crm.core.providers``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from crm.auth.models import User
from crm.core.providers import (
    CustomerFacet,
    MergeProvider,
    SummaryProvider,
    register_customer_facet,
    register_merge_provider,
    register_summary_provider,
    rows_following_customer,
)
from crm.customers.models import Customer
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.value.models import CareDate, ConsentEvent, CustomerValue
from crm.value.queries import segment_cells, segment_names, value_piece


def _segment_condition(code: str) -> Any:
    return Customer.id.in_(
        CustomerValue.__table__.select()
        .with_only_columns(CustomerValue.customer_id)
        .where(CustomerValue.segment == code)
    )


def _care_dates() -> MergeProvider:
    """Care dates follow a merge, one per kind: where the kept customer has a date of that kind
    it stays, and the retired record keeps its own (an undo then has nothing to give back)."""

    def reassign_customer(source: Customer, target: Customer, _actor: User) -> list[int]:
        taken = select(CareDate.kind).where(CareDate.customer_id == target.id)
        moved = db.session.execute(
            update(CareDate)
            .where(CareDate.customer_id == source.id, CareDate.kind.not_in(taken))
            .values(customer_id=target.id)
            .returning(CareDate.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(moved.scalars())

    provider = rows_following_customer("care dates", _l("Care dates"), CareDate.customer_id)
    return replace(provider, reassign_customer=reassign_customer)


def register_providers(_state: Any = None) -> None:
    """Called once per app while its blueprint is registered."""
    register_summary_provider(SummaryProvider("value", 40, "value/_summary.html", value_piece))
    register_customer_facet(
        CustomerFacet(
            name="segment",
            label=_l("Value segment"),
            choices=lambda: list(segment_names().items()),
            condition=_segment_condition,
            cells=segment_cells,
        )
    )
    register_merge_provider(
        rows_following_customer("consent", _l("Consent records"), ConsentEvent.customer_id)
    )
    register_merge_provider(_care_dates())
