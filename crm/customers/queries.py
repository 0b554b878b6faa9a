"""Read-only queries for customer lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, Text, cast, func, or_, select

from crm.core.ids import parse_id
from crm.core.providers import customer_facets
from crm.customers.models import TIER_LABELS, Customer, Tier
from crm.customers.phones import display_phone
from crm.customers.search import substring_condition
from crm.database import utcnow
from crm.exports import Cell
from crm.extensions import db
from crm.i18n import gettext as _
from crm.pagination import Page, paginate, sort_clause
from crm.timezones import utc_to_local

CUSTOMER_SORTS = {
    "name": Customer.name,
    "company": Customer.company,
    "tier": Customer.tier,
    "region": Customer.region,
    "last_contact_at": Customer.last_contact_at,
    "created_at": Customer.created_at,
}
DEFAULT_SORT = "-last_contact_at"
EXPORT_BATCH = 1000


@dataclass
class CustomerFilters:
    q: str = ""
    tier: str = ""
    owner: str = ""
    region: str = ""
    tag: str = ""
    #: only customers not contacted for at least this many days
    quiet_days: int | None = None
    deleted: bool = False
    #: other domains' filters (``CustomerFacet``), by parameter
    facets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: dict[str, str]) -> CustomerFilters:
        quiet = parse_id((args.get("quiet_days") or "").strip())
        owner = (args.get("owner") or "").strip()
        owner = owner if owner == "none" else str(parse_id(owner) or "")
        return cls(
            q=(args.get("q") or "").strip()[:100],
            tier=args.get("tier") if args.get("tier") in {t.value for t in Tier} else "",
            owner=owner,
            region=(args.get("region") or "").strip()[:50],
            tag=(args.get("tag") or "").strip().lower()[:30],
            quiet_days=quiet if quiet is not None and quiet <= 3650 else None,
            deleted=args.get("deleted") == "1",
            facets={
                facet.name: args[facet.name]
                for facet in customer_facets()
                if args.get(facet.name) in {value for value, _label in facet.choices()}
            },
        )

    def as_args(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "tier": self.tier,
            "owner": self.owner,
            "region": self.region,
            "tag": self.tag,
            "quiet_days": str(self.quiet_days) if self.quiet_days else "",
            "deleted": "1" if self.deleted else "",
            **self.facets,
        }
        return {key: value for key, value in values.items() if value}


def filtered_customers(filters: CustomerFilters) -> Select[tuple[Customer]]:
    query = select(Customer)
    if filters.deleted:
        query = query.where(Customer.deleted_at.is_not(None), Customer.merged_into_id.is_(None))
    else:
        query = query.where(Customer.deleted_at.is_(None))
    if filters.q:
        query = query.where(substring_condition(filters.q.lower()))
    if filters.tier:
        query = query.where(Customer.tier == filters.tier)
    if filters.owner == "none":
        query = query.where(Customer.owner_id.is_(None))
    elif filters.owner:
        query = query.where(Customer.owner_id == int(filters.owner))
    if filters.region:
        query = query.where(Customer.region == filters.region)
    if filters.tag:
        # Tags are a JSON list; its serialised, quoted form matches whole tags only.
        needle = json.dumps(filters.tag)
        query = query.where(cast(Customer.tags, Text).contains(needle, autoescape=True))
    if filters.quiet_days:
        cutoff = utcnow() - timedelta(days=filters.quiet_days)
        query = query.where(
            or_(Customer.last_contact_at.is_(None), Customer.last_contact_at < cutoff)
        )
    facets = {facet.name: facet for facet in customer_facets()}
    for name, value in filters.facets.items():
        query = query.where(facets[name].condition(value))
    return query


def sorted_customers(filters: CustomerFilters, sort: str) -> tuple[str, Select[tuple[Customer]]]:
    """The filtered customers in the list's order, and the sort key actually applied."""
    sort, order = sort_clause(sort, CUSTOMER_SORTS, default=DEFAULT_SORT)
    nulls_last = [clause.nulls_last() for clause in order]
    return sort, filtered_customers(filters).order_by(*nulls_last, Customer.id.desc())


def customer_listing(filters: CustomerFilters, *, sort: str, page: int) -> Page[Customer]:
    sort, query = sorted_customers(filters, sort)
    return paginate(query, page=page, sort=sort, filters=filters.as_args())


def export_rows(
    filters: CustomerFilters, *, sort: str = DEFAULT_SORT
) -> tuple[list[str], Iterator[list[Cell]], int]:
    """The header, the rows (streamed, in batches) and their count for an export of the list,
    in the order the list shows them."""
    header = [
        str(_("Name")),
        str(_("Company")),
        str(_("Phone numbers")),
        str(_("E-mail")),
        str(_("Tier")),
        str(_("Region")),
        str(_("Industry")),
        str(_("Tags")),
        str(_("Owner")),
        str(_("Last contact")),
        str(_("Notes")),
    ]
    facets = customer_facets()
    header += [str(facet.label) for facet in facets]
    _sort, query = sorted_customers(filters, sort)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    tiers = {tier.value: str(label) for tier, label in TIER_LABELS.items()}

    def rows() -> Iterator[list[Cell]]:
        result = db.session.scalars(query.execution_options(yield_per=EXPORT_BATCH))
        for batch in result.partitions():
            # Other domains' columns a batch at a time: one statement per facet and batch.
            cells = [facet.cells([customer.id for customer in batch]) for facet in facets]
            yield from (
                _row(customer, tiers) + [c.get(customer.id) for c in cells] for customer in batch
            )

    return header, rows(), count or 0


def _row(customer: Customer, tiers: dict[str, str]) -> list[Cell]:
    return [
        customer.name,
        customer.company,
        " / ".join(display_phone(phone.number) for phone in customer.phones),
        customer.email,
        tiers[customer.tier],
        customer.region,
        customer.industry,
        ", ".join(customer.tags or []),
        customer.owner.display_name if customer.owner else None,
        utc_to_local(customer.last_contact_at) if customer.last_contact_at else None,
        customer.notes,
    ]
