"""What this domain adds to the customer page, the customer list and the merge
(``crm.core.providers``)."""

from __future__ import annotations

from typing import Any

from crm.core.providers import (
    CustomerFacet,
    SummaryProvider,
    register_customer_facet,
    register_merge_provider,
    register_summary_provider,
    rows_following_customer,
)
from crm.customers.models import Customer
from crm.i18n import lazy_gettext as _l
from crm.value.models import CareDate, ConsentEvent, CustomerValue
from crm.value.queries import segment_cells, segment_names, value_piece


def _segment_condition(code: str) -> Any:
    return Customer.id.in_(
        CustomerValue.__table__.select()
        .with_only_columns(CustomerValue.customer_id)
        .where(CustomerValue.segment == code)
    )


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
    register_merge_provider(
        rows_following_customer("care dates", _l("Care dates"), CareDate.customer_id)
    )
